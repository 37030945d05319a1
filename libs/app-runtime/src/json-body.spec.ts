import { BodyReadError, bodyReadErrorOf, charsetOf, decodeJsonBody, JSON_BODY_MAX_DEPTH, nestingDepthOver } from './json-body.js';

const refusalOf = (body: Buffer, contentType?: string): BodyReadError | undefined => {
  try {
    decodeJsonBody(body, contentType);
    return undefined;
  } catch (error) {
    return bodyReadErrorOf(error);
  }
};

describe('decodeJsonBody', () => {
  it('decodes UTF-8 and drops a leading byte order mark', () => {
    expect(decodeJsonBody(Buffer.from('{"a":"é"}'), 'application/json')).toBe('{"a":"é"}');
    expect(decodeJsonBody(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{}')]), 'application/json; charset=utf-8')).toBe('{}');
  });

  it.each([
    ['an invalid byte', [0x7b, 0xff, 0x7d]],
    ['an overlong encoding', [0x22, 0xc0, 0xaf, 0x22]],
    ['an encoded surrogate', [0x22, 0xed, 0xa0, 0x80, 0x22]],
    ['a truncated sequence', [0x22, 0xe2, 0x82]],
  ])('refuses %s with a 400 naming the body', (_, bytes) => {
    expect(refusalOf(Buffer.from(bytes))).toMatchObject({ code: 'BODY_NOT_UTF8', statusCode: 400, param: 'body' });
  });

  it.each(['application/json; charset=latin1', 'application/json; charset="utf-16"', 'application/json;charset=ISO-8859-1'])('refuses the charset of %s with a 415', (contentType) => {
    expect(refusalOf(Buffer.from('{}'), contentType)).toMatchObject({ code: 'BODY_UNSUPPORTED_CHARSET', statusCode: 415, param: 'content-type' });
  });

  it('reads the charset parameter whatever its case and quoting', () => {
    expect(charsetOf('application/json; Charset="UTF-8"')).toBe('utf-8');
    expect(charsetOf('application/json')).toBeUndefined();
    expect(charsetOf(undefined)).toBeUndefined();
  });

  it(`refuses nesting deeper than ${JSON_BODY_MAX_DEPTH} levels, not counting brackets inside strings`, () => {
    const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
    expect(refusalOf(Buffer.from(nested(JSON_BODY_MAX_DEPTH)))).toBeUndefined();
    expect(refusalOf(Buffer.from(nested(JSON_BODY_MAX_DEPTH + 1)))).toMatchObject({ code: 'BODY_TOO_DEEP', param: 'body' });
    expect(nestingDepthOver(`{"a":"${'['.repeat(1000)}\\"{{{"}`, 2)).toBe(false);
  });

  it('finds the refusal behind a wrapping error', () => {
    const refusal = new BodyReadError('BODY_NOT_UTF8', 'body: not valid UTF-8', 'body');
    expect(bodyReadErrorOf(new Error('wrapped', { cause: refusal }))).toBe(refusal);
    expect(bodyReadErrorOf(new Error('other'))).toBeUndefined();
    expect(bodyReadErrorOf(null)).toBeUndefined();
  });
});
