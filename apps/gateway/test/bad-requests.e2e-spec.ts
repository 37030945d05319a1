import { rawHttpExchange, sampleSum } from '@tokenscope/testing';
import { type RunningGateway, useGateway } from './gateway-harness.js';

interface BadRequest {
  name: string;
  path?: string;
  method?: string;
  /** A JSON value, or a raw body (string or bytes) when `raw` is set. */
  body?: unknown;
  raw?: string | Buffer;
  headers?: Record<string, string>;
  status: number;
  code: string;
  param?: string;
}

const GENERATE = '/v1/generate';
const CHAT = '/v1/chat/completions';
const COMPLETIONS = '/v1/completions';
const EMBEDDINGS = '/v1/embeddings';
const FAULTS = '/admin/simulator/faults/sim-fast';
const chat = (extra: Record<string, unknown>) => ({ model: 'sim-fast', messages: [{ role: 'user', content: 'hi' }], ...extra });
const chatMessage = (message: Record<string, unknown>) => chat({ messages: [{ role: 'user', content: 'hi', ...message }] });
const completion = (extra: Record<string, unknown>) => ({ model: 'sim-fast', prompt: 'hi', ...extra });
const utf8 = (...parts: Array<string | number[]>) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));
const BOM = [0xef, 0xbb, 0xbf];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const nested = (depth: number): unknown => {
  let value: unknown = 'deep';
  for (let i = 0; i < depth; i++) value = [value];
  return value;
};

/** x-request-id values that must be replaced by a fresh UUID and never echoed (each sent with an otherwise bad body). */
const BAD_REQUEST_IDS: Array<[string, string]> = [
  ['over 128 characters', 'r'.repeat(129)],
  ['a space', 'req id'],
  ['a colon', 'req:1'],
  ['a slash', '../../etc/passwd'],
  ['angle brackets', '<script>alert(1)</script>'],
  ['a tab inside', 'req\tid'],
  ['a quote', 'req"id'],
  ['latin-1 letters', 'r\u00e9q'],
];

const cases: BadRequest[] = [
  // the body as a whole
  { name: 'malformed JSON', raw: '{"prompt": "hi"', status: 400, code: 'INVALID_REQUEST', param: 'body' },
  { name: 'an empty JSON body', raw: '', status: 400, code: 'INVALID_REQUEST', param: 'body' },
  { name: 'a JSON array body', body: [], status: 400, code: 'INVALID_REQUEST', param: 'body' },
  { name: 'a JSON string body', body: 'hello', status: 400, code: 'INVALID_REQUEST', param: 'body' },
  { name: 'a JSON null body', raw: 'null', status: 400, code: 'INVALID_REQUEST', param: 'body' },
  { name: 'a JSON number body', raw: '42', status: 400, code: 'INVALID_REQUEST', param: 'body' },
  { name: 'trailing garbage after the object', raw: '{"prompt":"x"} {"prompt":"y"}', status: 400, code: 'INVALID_REQUEST', param: 'body' },
  { name: 'a raw control character inside a string', raw: '{"prompt":"a\u0001b"}', status: 400, code: 'INVALID_REQUEST', param: 'body' },
  { name: 'a body over 1 MiB', body: { prompt: 'x'.repeat(1_100_000) }, status: 413, code: 'BODY_TOO_LARGE', param: 'body' },
  // encodings and media types
  { name: 'invalid UTF-8 bytes in a string', raw: utf8('{"prompt":"a', [0xff, 0xfe], 'b"}'), status: 400, code: 'INVALID_REQUEST', param: 'body' },
  { name: 'an overlong UTF-8 encoding', raw: utf8('{"prompt":"', [0xc0, 0xaf], '"}'), status: 400, code: 'INVALID_REQUEST', param: 'body' },
  { name: 'a UTF-8 encoded surrogate', raw: utf8('{"prompt":"', [0xed, 0xa0, 0x80], '"}'), status: 400, code: 'INVALID_REQUEST', param: 'body' },
  { name: 'a truncated UTF-8 sequence at the end', raw: utf8('{"prompt":"x"}', [0xe2, 0x82]), status: 400, code: 'INVALID_REQUEST', param: 'body' },
  { name: 'a UTF-8 BOM before a body with a bad field (the BOM itself is tolerated)', raw: utf8(BOM, '{"prompt":"x","max_tokens":0}'), status: 400, code: 'INVALID_REQUEST', param: 'max_tokens' },
  { name: 'charset="UTF-8" spelt in capitals and quoted, with a bad field', raw: '{"prompt":"x","top_p":7}', headers: { 'content-type': 'application/json; charset="UTF-8"' }, status: 400, code: 'INVALID_REQUEST', param: 'top_p' },
  { name: 'a latin-1 charset', raw: Buffer.from('{"prompt":"caf\u00e9"}', 'latin1'), headers: { 'content-type': 'application/json; charset=iso-8859-1' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', param: 'content-type' },
  { name: 'a UTF-16 body declared as such', raw: Buffer.from('{"prompt":"x"}', 'utf16le'), headers: { 'content-type': 'application/json; charset=utf-16le' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', param: 'content-type' },
  { name: 'a UTF-16 body declared as JSON', raw: Buffer.from('{"prompt":"x"}', 'utf16le'), status: 400, code: 'INVALID_REQUEST', param: 'body' },
  { name: 'a text/plain body', raw: 'prompt=hi', headers: { 'content-type': 'text/plain' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', param: 'content-type' },
  { name: 'a form body', raw: 'prompt=hi&max_tokens=1', headers: { 'content-type': 'application/x-www-form-urlencoded' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', param: 'content-type' },
  { name: 'a multipart body', raw: '--b\r\ncontent-disposition: form-data; name="prompt"\r\n\r\nhi\r\n--b--\r\n', headers: { 'content-type': 'multipart/form-data; boundary=b' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', param: 'content-type' },
  { name: 'a JSON look-alike media type', raw: '{"prompt":"x"}', headers: { 'content-type': 'application/json-patch+json' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', param: 'content-type' },
  { name: 'no content type', raw: '{"prompt":"x"}', headers: { 'content-type': '' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', param: 'content-type' },
  // prototype pollution and deep nesting
  { name: 'a __proto__ key', raw: '{"prompt":"x","__proto__":{"isAdmin":true}}', status: 400, code: 'INVALID_REQUEST', param: 'body' },
  { name: 'a __proto__ key spelt with a JSON escape', raw: '{"prompt":"x","\\u005f_proto__":{"isAdmin":true}}', status: 400, code: 'INVALID_REQUEST', param: 'body' },
  { name: 'a constructor.prototype key', raw: '{"prompt":"x","constructor":{"prototype":{"isAdmin":true}}}', status: 400, code: 'INVALID_REQUEST', param: 'body' },
  { name: 'a __proto__ key nested in a chat message', path: CHAT, raw: '{"model":"sim-fast","messages":[{"role":"user","content":"x","__proto__":{"role":"system"}}]}', status: 400, code: 'INVALID_REQUEST', param: 'body' },
  { name: 'a __proto__ key nested in stream_options', path: CHAT, raw: '{"model":"sim-fast","messages":[{"role":"user","content":"x"}],"stream_options":{"__proto__":{"x":1}}}', status: 400, code: 'INVALID_REQUEST', param: 'body' },
  { name: 'a constructor.prototype key deep in a passed-through field', path: CHAT, raw: '{"model":"sim-fast","messages":[{"role":"user","content":"x"}],"tools":[{"a":{"b":{"constructor":{"prototype":{"x":1}}}}}]}', status: 400, code: 'INVALID_REQUEST', param: 'body' },
  { name: 'a __proto__ key in a completions body', path: COMPLETIONS, raw: '{"model":"sim-fast","prompt":"x","logit_bias":{"__proto__":{"x":1}}}', status: 400, code: 'INVALID_REQUEST', param: 'body' },
  { name: 'a bare constructor key', body: { prompt: 'x', constructor: { name: 'Object' } }, status: 400, code: 'INVALID_REQUEST', param: 'constructor' },
  { name: 'a prototype key', body: { prompt: 'x', prototype: {} }, status: 400, code: 'INVALID_REQUEST', param: 'prototype' },
  { name: 'deeply nested context', body: { prompt: 'x', context: nested(2000) }, status: 400, code: 'INVALID_REQUEST', param: 'body' },
  { name: 'a passed-through field nested 100,000 levels', path: CHAT, raw: `{"model":"sim-fast","messages":[{"role":"user","content":"x"}],"tools":${'['.repeat(100_000)}${']'.repeat(100_000)}}`, status: 400, code: 'INVALID_REQUEST', param: 'body' },
  { name: 'objects nested 65 levels', path: CHAT, raw: `{"model":"sim-fast","messages":[{"role":"user","content":"x"}],"metadata":${'{"a":'.repeat(64)}1${'}'.repeat(64)}}`, status: 400, code: 'INVALID_REQUEST', param: 'body' },
  // /v1/generate, field by field
  { name: 'no prompt', body: {}, status: 400, code: 'INVALID_REQUEST', param: 'prompt' },
  { name: 'a numeric prompt', body: { prompt: 42 }, status: 400, code: 'INVALID_REQUEST', param: 'prompt' },
  { name: 'an empty prompt', body: { prompt: '' }, status: 400, code: 'INVALID_REQUEST', param: 'prompt' },
  { name: 'a null prompt', body: { prompt: null }, status: 400, code: 'INVALID_REQUEST', param: 'prompt' },
  { name: 'a prompt given as a list', body: { prompt: ['a', 'b'] }, status: 400, code: 'INVALID_REQUEST', param: 'prompt' },
  { name: 'a prompt given as an object', body: { prompt: { text: 'a' } }, status: 400, code: 'INVALID_REQUEST', param: 'prompt' },
  { name: 'max_tokens 0', body: { prompt: 'x', max_tokens: 0 }, status: 400, code: 'INVALID_REQUEST', param: 'max_tokens' },
  { name: 'negative max_tokens', body: { prompt: 'x', max_tokens: -5 }, status: 400, code: 'INVALID_REQUEST', param: 'max_tokens' },
  { name: 'fractional max_tokens', body: { prompt: 'x', max_tokens: 1.5 }, status: 400, code: 'INVALID_REQUEST', param: 'max_tokens' },
  { name: 'max_tokens as a string', body: { prompt: 'x', max_tokens: '10' }, status: 400, code: 'INVALID_REQUEST', param: 'max_tokens' },
  { name: 'max_tokens as a boolean', body: { prompt: 'x', max_tokens: true }, status: 400, code: 'INVALID_REQUEST', param: 'max_tokens' },
  { name: 'null max_tokens on /v1/generate', body: { prompt: 'x', max_tokens: null }, status: 400, code: 'INVALID_REQUEST', param: 'max_tokens' },
  { name: "max_tokens over the model's limit", body: { prompt: 'x', max_tokens: 100_000 }, status: 400, code: 'INVALID_REQUEST', param: 'max_tokens' },
  { name: 'max_tokens beyond 2^53', raw: '{"prompt":"x","max_tokens":90071992547409930}', status: 400, code: 'INVALID_REQUEST', param: 'max_tokens' },
  { name: 'max_tokens that overflows to Infinity', raw: '{"prompt":"x","max_tokens":1e400}', status: 400, code: 'INVALID_REQUEST', param: 'max_tokens' },
  { name: 'a negative temperature', body: { prompt: 'x', temperature: -0.1 }, status: 400, code: 'INVALID_REQUEST', param: 'temperature' },
  { name: 'temperature above 2', body: { prompt: 'x', temperature: 2.5 }, status: 400, code: 'INVALID_REQUEST', param: 'temperature' },
  { name: 'temperature as a string', body: { prompt: 'x', temperature: 'hot' }, status: 400, code: 'INVALID_REQUEST', param: 'temperature' },
  { name: 'temperature that overflows to Infinity', raw: '{"prompt":"x","temperature":1e400}', status: 400, code: 'INVALID_REQUEST', param: 'temperature' },
  { name: 'top_p above 1', body: { prompt: 'x', top_p: 1.2 }, status: 400, code: 'INVALID_REQUEST', param: 'top_p' },
  { name: 'a negative top_p', body: { prompt: 'x', top_p: -0.5 }, status: 400, code: 'INVALID_REQUEST', param: 'top_p' },
  { name: 'top_p as a list', body: { prompt: 'x', top_p: [0.5] }, status: 400, code: 'INVALID_REQUEST', param: 'top_p' },
  { name: 'a fractional seed', body: { prompt: 'x', seed: 1.5 }, status: 400, code: 'INVALID_REQUEST', param: 'seed' },
  { name: 'a seed beyond the safe integers', raw: '{"prompt":"x","seed":9007199254740993}', status: 400, code: 'INVALID_REQUEST', param: 'seed' },
  { name: 'a seed as a string', body: { prompt: 'x', seed: '42' }, status: 400, code: 'INVALID_REQUEST', param: 'seed' },
  { name: 'five stop sequences', body: { prompt: 'x', stop: ['a', 'b', 'c', 'd', 'e'] }, status: 400, code: 'INVALID_REQUEST', param: 'stop' },
  { name: 'a stop sequence over 256 characters', body: { prompt: 'x', stop: 's'.repeat(257) }, status: 400, code: 'INVALID_REQUEST', param: 'stop' },
  { name: 'a numeric stop sequence', body: { prompt: 'x', stop: [1] }, status: 400, code: 'INVALID_REQUEST', param: 'stop' },
  { name: 'stop as an object', body: { prompt: 'x', stop: { a: 1 } }, status: 400, code: 'INVALID_REQUEST', param: 'stop' },
  { name: 'stream as a string', body: { prompt: 'x', stream: 'yes' }, status: 400, code: 'INVALID_REQUEST', param: 'stream' },
  { name: 'stream as a number', body: { prompt: 'x', stream: 1 }, status: 400, code: 'INVALID_REQUEST', param: 'stream' },
  { name: 'an unknown model', body: { prompt: 'x', model: 'gpt-17' }, status: 404, code: 'MODEL_NOT_FOUND', param: 'model' },
  { name: 'a model named like an Object property', body: { prompt: 'x', model: 'constructor' }, status: 404, code: 'MODEL_NOT_FOUND', param: 'model' },
  { name: 'a numeric model', body: { prompt: 'x', model: 5 }, status: 400, code: 'INVALID_REQUEST', param: 'model' },
  { name: 'an empty model name', body: { prompt: 'x', model: '' }, status: 400, code: 'INVALID_REQUEST', param: 'model' },
  { name: 'a model name over 256 characters', body: { prompt: 'x', model: 'm'.repeat(257) }, status: 400, code: 'INVALID_REQUEST', param: 'model' },
  { name: 'a user id over 256 characters', body: { prompt: 'x', user: 'u'.repeat(300) }, status: 400, code: 'INVALID_REQUEST', param: 'user' },
  { name: 'an empty user id', body: { prompt: 'x', user: '' }, status: 400, code: 'INVALID_REQUEST', param: 'user' },
  { name: 'a numeric user id', body: { prompt: 'x', user: 7 }, status: 400, code: 'INVALID_REQUEST', param: 'user' },
  { name: 'context that is not a list', body: { prompt: 'x', context: 'doc' }, status: 400, code: 'INVALID_REQUEST', param: 'context' },
  { name: 'a context document that is not text', body: { prompt: 'x', context: ['ok', 7] }, status: 400, code: 'INVALID_REQUEST', param: 'context.1' },
  { name: 'too many context documents', body: { prompt: 'x', context: Array(65).fill('d') }, status: 400, code: 'INVALID_REQUEST', param: 'context' },
  { name: 'a context document over 32,768 characters', body: { prompt: 'x', context: ['c'.repeat(32_769)] }, status: 400, code: 'INVALID_REQUEST', param: 'context.0' },
  { name: 'null context', body: { prompt: 'x', context: null }, status: 400, code: 'INVALID_REQUEST', param: 'context' },
  { name: 'a misspelt field', body: { prompt: 'x', max_token: 5 }, status: 400, code: 'INVALID_REQUEST', param: 'max_token' },
  { name: 'an empty key', body: { prompt: 'x', '': 1 }, status: 400, code: 'INVALID_REQUEST', param: '""' },
  { name: 'an unknown key of 10,000 characters (named, cut to 64)', body: { prompt: 'x', ['k'.repeat(10_000)]: 1 }, status: 400, code: 'INVALID_REQUEST', param: `"${'k'.repeat(64)}…"` },
  // headers
  { name: 'an x-user-id header over 256 characters', body: { prompt: 'x' }, headers: { 'x-user-id': 'u'.repeat(300) }, status: 400, code: 'INVALID_REQUEST', param: 'x-user-id' },
  { name: 'an empty x-user-id header', body: { prompt: 'x' }, headers: { 'x-user-id': '' }, status: 400, code: 'INVALID_REQUEST', param: 'x-user-id' },
  ...BAD_REQUEST_IDS.map(([what, id]): BadRequest => ({ name: `an x-request-id with ${what}`, body: { max_tokens: 1 }, headers: { 'x-request-id': id }, status: 400, code: 'INVALID_REQUEST', param: 'prompt' })),
  // /v1/chat/completions, field by field
  { name: 'chat without messages', path: CHAT, body: { model: 'sim-fast' }, status: 400, code: 'INVALID_REQUEST', param: 'messages' },
  { name: 'chat with no message', path: CHAT, body: chat({ messages: [] }), status: 400, code: 'INVALID_REQUEST', param: 'messages' },
  { name: 'chat with messages as a string', path: CHAT, body: chat({ messages: 'hi' }), status: 400, code: 'INVALID_REQUEST', param: 'messages' },
  { name: 'chat with messages as an object', path: CHAT, body: chat({ messages: { role: 'user', content: 'hi' } }), status: 400, code: 'INVALID_REQUEST', param: 'messages' },
  { name: 'chat with 4,097 messages', path: CHAT, body: chat({ messages: Array(4097).fill({ role: 'user', content: 'hi' }) }), status: 400, code: 'INVALID_REQUEST', param: 'messages' },
  { name: 'chat with a message that is a string', path: CHAT, body: chat({ messages: ['hi'] }), status: 400, code: 'INVALID_REQUEST', param: 'messages.0' },
  { name: 'chat with a message without a role', path: CHAT, body: chat({ messages: [{ content: 'hi' }] }), status: 400, code: 'INVALID_REQUEST', param: 'messages.0.role' },
  { name: 'chat with an unknown role', path: CHAT, body: chat({ messages: [{ role: 'wizard', content: 'hi' }] }), status: 400, code: 'INVALID_REQUEST', param: 'messages.0.role' },
  { name: 'chat with a numeric role', path: CHAT, body: chat({ messages: [{ role: 1, content: 'hi' }] }), status: 400, code: 'INVALID_REQUEST', param: 'messages.0.role' },
  { name: 'chat with a message without a role', path: CHAT, body: chat({ messages: [{ content: 'hi' }] }), status: 400, code: 'INVALID_REQUEST', param: 'messages.0.role' },
  { name: 'chat with numeric content', path: CHAT, body: chatMessage({ content: 42 }), status: 400, code: 'INVALID_REQUEST', param: 'messages.0.content' },
  { name: 'chat with content as an object', path: CHAT, body: chatMessage({ content: { text: 'hi' } }), status: 400, code: 'INVALID_REQUEST', param: 'messages.0.content' },
  { name: 'chat with an empty list of content parts', path: CHAT, body: chatMessage({ content: [] }), status: 400, code: 'INVALID_REQUEST', param: 'messages.0.content' },
  // content parts of any kind (image_url, input_audio, file…) are relayed as sent; a part must say its type
  { name: 'chat with a content part without a type', path: CHAT, body: chatMessage({ content: [{ text: 'hi' }] }), status: 400, code: 'INVALID_REQUEST', param: 'messages.0.content' },
  { name: 'chat with a content part that is a string', path: CHAT, body: chatMessage({ content: ['hi'] }), status: 400, code: 'INVALID_REQUEST', param: 'messages.0.content' },
  { name: 'chat with a message name over 256 characters', path: CHAT, body: chatMessage({ name: 'n'.repeat(257) }), status: 400, code: 'INVALID_REQUEST', param: 'messages.0.name' },
  { name: 'chat with a numeric message name', path: CHAT, body: chatMessage({ name: 3 }), status: 400, code: 'INVALID_REQUEST', param: 'messages.0.name' },
  { name: 'chat asking for n=2', path: CHAT, body: chat({ n: 2 }), status: 400, code: 'INVALID_REQUEST', param: 'n' },
  { name: 'chat asking for n=0', path: CHAT, body: chat({ n: 0 }), status: 400, code: 'INVALID_REQUEST', param: 'n' },
  { name: 'chat without a model', path: CHAT, body: { messages: [{ role: 'user', content: 'hi' }] }, status: 400, code: 'INVALID_REQUEST', param: 'model' },
  { name: 'chat with a null model', path: CHAT, body: chat({ model: null }), status: 400, code: 'INVALID_REQUEST', param: 'model' },
  { name: 'chat with an unknown model', path: CHAT, body: chat({ model: 'nope' }), status: 404, code: 'MODEL_NOT_FOUND', param: 'model' },
  { name: 'chat with max_tokens 0', path: CHAT, body: chat({ max_tokens: 0 }), status: 400, code: 'INVALID_REQUEST', param: 'max_tokens' },
  { name: 'chat with max_completion_tokens 0', path: CHAT, body: chat({ max_completion_tokens: 0 }), status: 400, code: 'INVALID_REQUEST', param: 'max_completion_tokens' },
  { name: 'chat with max_completion_tokens as a string', path: CHAT, body: chat({ max_completion_tokens: 'many' }), status: 400, code: 'INVALID_REQUEST', param: 'max_completion_tokens' },
  { name: "chat with max_completion_tokens over the model's limit", path: CHAT, body: chat({ max_completion_tokens: 1_000_000 }), status: 400, code: 'INVALID_REQUEST', param: 'max_completion_tokens' },
  { name: 'chat with temperature 3', path: CHAT, body: chat({ temperature: 3 }), status: 400, code: 'INVALID_REQUEST', param: 'temperature' },
  { name: 'chat with top_p -1', path: CHAT, body: chat({ top_p: -1 }), status: 400, code: 'INVALID_REQUEST', param: 'top_p' },
  { name: 'chat with a string seed', path: CHAT, body: chat({ seed: 'x' }), status: 400, code: 'INVALID_REQUEST', param: 'seed' },
  { name: 'chat with five stop sequences', path: CHAT, body: chat({ stop: ['1', '2', '3', '4', '5'] }), status: 400, code: 'INVALID_REQUEST', param: 'stop' },
  { name: 'chat with stream as a string', path: CHAT, body: chat({ stream: 'true' }), status: 400, code: 'INVALID_REQUEST', param: 'stream' },
  { name: 'chat with stream_options.include_usage as a string', path: CHAT, body: chat({ stream_options: { include_usage: 'yes' } }), status: 400, code: 'INVALID_REQUEST', param: 'stream_options.include_usage' },
  { name: 'chat with stream_options as a string', path: CHAT, body: chat({ stream_options: 'usage' }), status: 400, code: 'INVALID_REQUEST', param: 'stream_options' },
  { name: 'chat with an empty user', path: CHAT, body: chat({ user: '' }), status: 400, code: 'INVALID_REQUEST', param: 'user' },
  { name: 'chat with a context document that is not text', path: CHAT, body: chat({ context: [{}] }), status: 400, code: 'INVALID_REQUEST', param: 'context.0' },
  // /v1/completions, field by field
  { name: 'completions without a prompt', path: COMPLETIONS, body: { model: 'sim-fast' }, status: 400, code: 'INVALID_REQUEST', param: 'prompt' },
  { name: 'completions with a numeric prompt', path: COMPLETIONS, body: completion({ prompt: 5 }), status: 400, code: 'INVALID_REQUEST', param: 'prompt' },
  { name: 'completions with a null prompt', path: COMPLETIONS, body: completion({ prompt: null }), status: 400, code: 'INVALID_REQUEST', param: 'prompt' },
  { name: 'completions with no prompt in the list', path: COMPLETIONS, body: completion({ prompt: [] }), status: 400, code: 'INVALID_REQUEST', param: 'prompt' },
  { name: 'completions with two prompts', path: COMPLETIONS, body: completion({ prompt: ['a', 'b'] }), status: 400, code: 'INVALID_REQUEST', param: 'prompt' },
  { name: 'completions with a token-id prompt', path: COMPLETIONS, body: completion({ prompt: [1, 2, 3] }), status: 400, code: 'INVALID_REQUEST', param: 'prompt' },
  { name: 'completions with echo', path: COMPLETIONS, body: completion({ echo: true }), status: 400, code: 'INVALID_REQUEST', param: 'echo' },
  { name: 'completions with echo as a string', path: COMPLETIONS, body: completion({ echo: 'no' }), status: 400, code: 'INVALID_REQUEST', param: 'echo' },
  { name: 'completions without a model', path: COMPLETIONS, body: { prompt: 'a' }, status: 400, code: 'INVALID_REQUEST', param: 'model' },
  { name: 'completions with an unknown model', path: COMPLETIONS, body: completion({ model: 'text-davinci-003' }), status: 404, code: 'MODEL_NOT_FOUND', param: 'model' },
  { name: 'completions with max_tokens -1', path: COMPLETIONS, body: completion({ max_tokens: -1 }), status: 400, code: 'INVALID_REQUEST', param: 'max_tokens' },
  { name: 'completions with n=3', path: COMPLETIONS, body: completion({ n: 3 }), status: 400, code: 'INVALID_REQUEST', param: 'n' },
  { name: 'completions with temperature as a string', path: COMPLETIONS, body: completion({ temperature: '0.5' }), status: 400, code: 'INVALID_REQUEST', param: 'temperature' },
  // /v1/embeddings
  { name: 'embeddings without a model', path: EMBEDDINGS, body: { input: 'x' }, status: 400, code: 'INVALID_REQUEST', param: 'model' },
  { name: 'embeddings of an unknown model', path: EMBEDDINGS, body: { model: 'gpt-17', input: 'x' }, status: 404, code: 'MODEL_NOT_FOUND', param: 'model' },
  { name: 'embeddings with an input object', path: EMBEDDINGS, body: { model: 'sim-fast', input: { text: 'x' } }, status: 400, code: 'INVALID_REQUEST', param: 'input' },
  { name: 'embeddings with an empty list', path: EMBEDDINGS, body: { model: 'sim-fast', input: [] }, status: 400, code: 'INVALID_REQUEST', param: 'input' },
  { name: 'embeddings with a negative token id', path: EMBEDDINGS, body: { model: 'sim-fast', input: [1, -2] }, status: 400, code: 'INVALID_REQUEST', param: 'input.1' },
  { name: 'embeddings with dimensions as a string', path: EMBEDDINGS, body: { model: 'sim-fast', input: 'x', dimensions: '8' }, status: 400, code: 'INVALID_REQUEST', param: 'dimensions' },
  { name: 'embeddings with an empty user', path: EMBEDDINGS, body: { model: 'sim-fast', input: 'x', user: '' }, status: 400, code: 'INVALID_REQUEST', param: 'user' },
  // PUT /admin/simulator/faults/:model
  { name: 'fault changes as a list', path: FAULTS, method: 'PUT', body: [], status: 400, code: 'INVALID_REQUEST', param: 'body' },
  { name: 'fault changes as a string', path: FAULTS, method: 'PUT', body: 'on', status: 400, code: 'INVALID_REQUEST', param: 'body' },
  { name: 'an unknown fault', path: FAULTS, method: 'PUT', body: { meteor_rate: 1 }, status: 400, code: 'INVALID_REQUEST', param: 'meteor_rate' },
  { name: 'a fault rate above 1', path: FAULTS, method: 'PUT', body: { server_error_rate: 1.5 }, status: 400, code: 'INVALID_REQUEST', param: 'server_error_rate' },
  { name: 'a negative fault rate', path: FAULTS, method: 'PUT', body: { timeout_rate: -0.1 }, status: 400, code: 'INVALID_REQUEST', param: 'timeout_rate' },
  { name: 'a fault rate as a string', path: FAULTS, method: 'PUT', body: { refusal_rate: '0.5' }, status: 400, code: 'INVALID_REQUEST', param: 'refusal_rate' },
  { name: 'a null fault rate', path: FAULTS, method: 'PUT', body: { cut_stream_rate: null }, status: 400, code: 'INVALID_REQUEST', param: 'cut_stream_rate' },
  { name: 'an empty fault name', path: FAULTS, method: 'PUT', body: { '': 0.5 }, status: 400, code: 'INVALID_REQUEST', param: '""' },
  { name: 'a __proto__ key in fault changes', path: FAULTS, method: 'PUT', raw: '{"__proto__":{"server_error_rate":1}}', status: 400, code: 'INVALID_REQUEST', param: 'body' },
  { name: 'fault changes in invalid UTF-8', path: FAULTS, method: 'PUT', raw: utf8('{"x', [0xff], '":1}'), status: 400, code: 'INVALID_REQUEST', param: 'body' },
  { name: 'fault changes nested too deep', path: FAULTS, method: 'PUT', raw: `{"rate_limit_rate":${'['.repeat(100)}${']'.repeat(100)}}`, status: 400, code: 'INVALID_REQUEST', param: 'body' },
  { name: 'faults of an unknown model', path: '/admin/simulator/faults/gpt-17', method: 'PUT', body: { server_error_rate: 0 }, status: 404, code: 'NOT_FOUND', param: 'model' },
  { name: 'faults of a model named over 256 characters', path: `/admin/simulator/faults/${'m'.repeat(300)}`, method: 'PUT', body: {}, status: 404, code: 'NOT_FOUND', param: 'model' },
  { name: 'faults of a model named over 512 characters', path: `/admin/simulator/faults/${'m'.repeat(600)}`, method: 'PUT', body: {}, status: 414, code: 'URI_TOO_LONG', param: 'url' },
  { name: 'a model name with bad percent-encoding', path: '/admin/simulator/faults/%E0%A4%A', method: 'PUT', body: {}, status: 400, code: 'INVALID_REQUEST', param: 'url' },
  { name: 'fault changes as a form', path: FAULTS, method: 'PUT', raw: 'server_error_rate=1', headers: { 'content-type': 'application/x-www-form-urlencoded' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', param: 'content-type' },
  // routes
  { name: 'a GET on a POST route', path: GENERATE, method: 'GET', status: 404, code: 'NOT_FOUND', param: 'url' },
  { name: 'an unknown route', path: '/v1/moderations', body: { input: 'x' }, status: 404, code: 'NOT_FOUND', param: 'url' },
  { name: 'a key that is only blanks', body: { prompt: 'x', '  ': 1 }, status: 400, code: 'INVALID_REQUEST', param: '"  "' },
  { name: 'a key holding a colon and a dot', body: { prompt: 'x', 'a.b: c': 1 }, status: 400, code: 'INVALID_REQUEST', param: '"a.b: c"' },
  { name: 'a generation path with bad percent-encoding', path: '/v1/gen%ZZerate', body: { prompt: 'x' }, status: 400, code: 'INVALID_REQUEST', param: 'url' },
];

/** What Node's HTTP parser refuses before the app runs, sent over a raw socket (fetch will not send these). */
interface MalformedRequest {
  name: string;
  /** The header lines, each ending in CRLF, between the request line and the blank line. */
  headerLines: string | Buffer;
  status: number;
  code: string;
  /** A distinctive part of the request that must not come back. */
  planted: string;
}

const malformed: MalformedRequest[] = [
  { name: 'a bare CR inside x-request-id', headerLines: 'x-request-id: inj\rected-cr-1\r\n', status: 400, code: 'INVALID_REQUEST', planted: 'ected-cr-1' },
  { name: 'a bare LF inside x-request-id', headerLines: 'x-request-id: inj\nected-lf-1: x\r\n', status: 400, code: 'INVALID_REQUEST', planted: 'ected-lf-1' },
  { name: 'a NUL byte in x-request-id', headerLines: 'x-request-id: inj\u0000ected-nul-1\r\n', status: 400, code: 'INVALID_REQUEST', planted: 'ected-nul-1' },
  { name: 'a control character in x-request-id', headerLines: 'x-request-id: inj\u0001ected-soh-1\r\n', status: 400, code: 'INVALID_REQUEST', planted: 'ected-soh-1' },
  { name: 'a DEL character in x-request-id', headerLines: 'x-request-id: inj\u007fected-del-1\r\n', status: 400, code: 'INVALID_REQUEST', planted: 'ected-del-1' },
  { name: 'an obsolete folded x-request-id', headerLines: 'x-request-id: folded-1\r\n continued-fold-1\r\n', status: 400, code: 'INVALID_REQUEST', planted: 'continued-fold-1' },
  { name: 'a control character in x-user-id', headerLines: 'x-user-id: ali\u0002ce-ctl-1\r\n', status: 400, code: 'INVALID_REQUEST', planted: 'ce-ctl-1' },
  { name: 'headers over the size limit', headerLines: `x-request-id: ${'h'.repeat(20_000)}-big-1\r\n`, status: 431, code: 'HEADERS_TOO_LARGE', planted: '-big-1' },
  { name: 'a header name with a space', headerLines: 'x request id: spaced-name-1\r\n', status: 400, code: 'INVALID_REQUEST', planted: 'spaced-name-1' },
];

async function send(gateway: RunningGateway, c: BadRequest): Promise<Response> {
  const method = c.method ?? 'POST';
  const headers: Record<string, string> = { ...(method !== 'GET' ? { 'content-type': 'application/json' } : {}), ...c.headers };
  if (headers['content-type'] === '') delete headers['content-type'];
  const body = method === 'GET' ? undefined : (c.raw ?? JSON.stringify(c.body));
  return fetch(`${gateway.url}${c.path ?? GENERATE}`, { method, headers, ...(body !== undefined ? { body } : {}) });
}

const isGenerationRequest = (c: BadRequest) => (c.method ?? 'POST') === 'POST' && [GENERATE, CHAT, COMPLETIONS, EMBEDDINGS].includes(c.path ?? GENERATE);

describe('bad requests', () => {
  const running = useGateway();

  it('covers every field of every endpoint: at least 150 cases', () => {
    expect(cases.length + malformed.length).toBeGreaterThanOrEqual(150);
  });

  it.each(cases)('answers $name with $status $code naming $param', async (c) => {
    const response = await send(running.gateway, c);
    const text = await response.text();
    expect(response.status).toBe(c.status);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const requestId = response.headers.get('x-request-id');
    expect(requestId).toBeTruthy();
    const payload = JSON.parse(text) as { error: { code: string; message: string; param: string | null; type: string } };
    expect(payload.error.code).toBe(c.code);
    if (c.param !== undefined) {
      expect(payload.error.param).toBe(c.param);
      // the message names the field too, for people reading it
      expect(payload.error.message.startsWith(`${c.param}:`)).toBe(true);
    }
    expect(payload.error.message.length).toBeGreaterThan(0);
    // nothing internal leaks (no stack frames, no file paths) and nothing large is reflected back
    expect(text).not.toMatch(/\n\s+at |node_modules|\.ts:\d+|\.js:\d+|\/work\/|file:\/\//);
    expect(text.length).toBeLessThan(1024);
    const callerId = c.headers?.['x-request-id'];
    if (callerId !== undefined) {
      expect(requestId).toMatch(UUID);
      expect(text).not.toContain(callerId);
    }
  });

  it.each(malformed)('answers $name with $status $code in the OpenAI shape, a fresh request id, and nothing quoted back', async (c) => {
    const request = Buffer.concat([
      Buffer.from('POST /v1/generate HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: 2\r\n', 'latin1'),
      Buffer.isBuffer(c.headerLines) ? c.headerLines : Buffer.from(c.headerLines, 'latin1'),
      Buffer.from('\r\n{}', 'latin1'),
    ]);
    const answer = await rawHttpExchange(running.gateway.url, request);
    const [head = '', body = ''] = answer.split('\r\n\r\n');
    expect(head.split('\r\n')[0]).toBe(`HTTP/1.1 ${c.status} ${c.status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}`);
    expect(head).toMatch(/^content-type: application\/json/m);
    expect(head).toMatch(/^x-request-id: [0-9a-f-]{36}$/m);
    const payload = JSON.parse(body) as { error: { code: string; param: string; message: string } };
    expect(payload.error).toMatchObject({ code: c.code, param: 'headers', type: 'invalid_request_error' });
    expect(payload.error.message.startsWith('headers:')).toBe(true);
    expect(answer).not.toContain(c.planted);
  });

  it('tolerates a UTF-8 byte order mark before a valid body, as RFC 8259 allows', async () => {
    const response = await fetch(`${running.gateway.url}${GENERATE}`, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: utf8(BOM, '{"prompt":"bom","max_tokens":2}') });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { usage: { completion_tokens: number } }).usage.completion_tokens).toBe(2);
  });

  it('serves a valid body with a bad x-request-id under a fresh UUID, never echoing the bad one', async () => {
    for (const [, id] of BAD_REQUEST_IDS) {
      const response = await fetch(`${running.gateway.url}${GENERATE}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': id }, body: '{"prompt":"x","max_tokens":1}' });
      const text = await response.text();
      expect(response.status).toBe(200);
      expect(response.headers.get('x-request-id')).toMatch(UUID);
      expect((JSON.parse(text) as { id: string }).id).toBe(response.headers.get('x-request-id'));
      expect(text).not.toContain(id);
    }
  });

  it('counts every refused generation request once as rejected, and nothing else', async () => {
    const before = sampleSum(await running.gateway.metrics(), 'llm_requests_total', { status: 'rejected' });
    const generationCases = cases.filter(isGenerationRequest);
    for (const c of cases) await (await send(running.gateway, c)).text();
    const after = await running.gateway.metrics();
    expect(sampleSum(after, 'llm_requests_total', { status: 'rejected' }) - before).toBe(generationCases.length);
    expect(sampleSum(after, 'llm_requests_total', { status: 'error' })).toBe(0);
    // labels never take the requested name: unknown models are counted as `unknown`
    expect([...after.keys()].some((k) => k.includes('gpt-17') || k.includes('"nope"') || k.includes('"constructor"'))).toBe(false);
  });

  it('still serves after all of that', async () => {
    expect((await fetch(`${running.gateway.url}/healthz`)).status).toBe(200);
    const response = await fetch(`${running.gateway.url}${GENERATE}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"prompt":"ok","max_tokens":3}' });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { usage: { completion_tokens: number } }).usage.completion_tokens).toBe(3);
  });
});
