import { waitFor } from '@tokenscope/testing';
import { jsonPost, useGateway } from './gateway-harness.js';

// Its own file: nestjs-pino keeps process-wide state, so one logging configuration per process
describe('LOG_PROMPTS', () => {
  const running = useGateway({ LOG_PROMPTS: 'true' });

  it('puts the output in the completion line when turned on', async () => {
    const response = await jsonPost(`${running.gateway.url}/v1/generate`, { prompt: 'visible', max_tokens: 3 }, { 'x-request-id': 'verbose-1' });
    const body = (await response.json()) as { text: string };
    await waitFor(() => expect(running.gateway.logs.withMessage('generation completed')).toHaveLength(1));
    expect(running.gateway.logs.withMessage('generation completed')[0]).toMatchObject({ client_request_id: 'verbose-1', output: body.text });
  });

  it('still redacts credentials', async () => {
    running.gateway.logs.raw.length = 0;
    await (await jsonPost(`${running.gateway.url}/v1/generate`, { prompt: 'x', max_tokens: 1 }, { authorization: 'Bearer sk-should-not-appear' })).text();
    await waitFor(() => expect(running.gateway.logs.raw.length).toBeGreaterThan(0));
    expect(running.gateway.logs.raw.join('\n')).not.toContain('sk-should-not-appear');
  });
});
