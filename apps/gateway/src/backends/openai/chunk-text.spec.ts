import { plainChunkText } from './chunk-text.js';

interface Chunk {
  choices?: Array<{ delta?: { content?: string | null }; text?: string; finish_reason?: string | null }>;
}

const fullParse = (payload: string): string | undefined => {
  const chunk = JSON.parse(payload) as Chunk;
  const choice = chunk.choices?.[0];
  return choice?.delta?.content ?? choice?.text ?? undefined;
};

const chat = (content: string) =>
  JSON.stringify({ id: 'x', object: 'chat.completion.chunk', model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: null }] });
const completion = (text: string) => JSON.stringify({ id: 'x', object: 'text_completion', choices: [{ index: 0, text, finish_reason: null }] });

describe('plainChunkText', () => {
  it.each([' hello', 'quote " inside', 'back\\slash', 'new\nline', 'tab\there', 'unicode é 漢字 🙂', '\u0000\u001f', '"content":"fake"', ''])(
    'reads %p exactly as a full parse would',
    (text) => {
      expect(plainChunkText(chat(text), '"content":"')).toBe(fullParse(chat(text)));
      expect(plainChunkText(completion(text), '"text":"')).toBe(fullParse(completion(text)));
    },
  );

  it('leaves chunks with a finish reason, usage or tool calls to a full parse', () => {
    const finishing = JSON.stringify({ choices: [{ index: 0, delta: { content: 'x' }, finish_reason: 'stop' }] });
    const usage = JSON.stringify({ choices: [], usage: { prompt_tokens: 1, completion_tokens: 2 } });
    const tools = JSON.stringify({ choices: [{ index: 0, delta: { tool_calls: [{ index: 0 }], content: 'x' } }] });
    expect(plainChunkText(finishing, '"content":"')).toBeUndefined();
    expect(plainChunkText(usage, '"content":"')).toBeUndefined();
    expect(plainChunkText(tools, '"content":"')).toBeUndefined();
  });

  it('does not mistake reasoning_content or a null content for text', () => {
    const reasoning = JSON.stringify({ choices: [{ index: 0, delta: { reasoning_content: 'thinking' }, finish_reason: null }] });
    const nullContent = JSON.stringify({ choices: [{ index: 0, delta: { content: null, role: 'assistant' }, finish_reason: null }] });
    expect(plainChunkText(reasoning, '"content":"')).toBeUndefined();
    expect(plainChunkText(nullContent, '"content":"')).toBeUndefined();
  });

  it('gives up on an unterminated string instead of guessing', () => {
    expect(plainChunkText('{"choices":[{"delta":{"content":"abc', '"content":"')).toBeUndefined();
  });
});
