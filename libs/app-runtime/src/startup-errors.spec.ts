import { configurationProblem, listenProblem } from './startup-errors.js';

const where = { port: 8000, host: '0.0.0.0', portVariable: 'GATEWAY_PORT' };

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`listen ${code}`), { code });
}

describe('listenProblem', () => {
  it('says which port is taken and which variable moves it', () => {
    expect(listenProblem(errno('EADDRINUSE'), where)).toBe('port 8000 is already in use (0.0.0.0:8000): stop what holds it, or set GATEWAY_PORT to a free port');
    expect(listenProblem(errno('EACCES'), where)).toContain('set GATEWAY_PORT to a port above 1023');
  });

  it('leaves anything unexpected to propagate', () => {
    expect(listenProblem(new Error('boom'), where)).toBeUndefined();
  });
});

describe('configurationProblem', () => {
  it('gives a file or environment problem as one line, and nothing for other errors', () => {
    const fileError = Object.assign(new Error('MODELS_FILE x.yaml: models.0.price: expected object'), { name: 'ConfigFileError' });
    const envError = Object.assign(new Error('invalid configuration:\n  - GATEWAY_PORT: too big\n  - LOG_LEVEL: invalid'), { name: 'ConfigError' });
    expect(configurationProblem(fileError)).toBe('MODELS_FILE x.yaml: models.0.price: expected object');
    expect(configurationProblem(envError)).toBe('invalid configuration: - GATEWAY_PORT: too big - LOG_LEVEL: invalid');
    expect(configurationProblem(new TypeError('x is undefined'))).toBeUndefined();
  });
});
