import { judgeMessages, judgeVersion, parseVerdict } from './judge-rubric.js';

describe('judge rubric', () => {
  it('names the judge by model and rubric version', () => {
    expect(judgeVersion('gpt-judge')).toBe('judge:gpt-judge@rubric-1');
  });

  it('reads only the strict verdict object, per signal', () => {
    expect(parseVerdict('refusal', '{"verdict":"refusal"}')).toBe('flagged');
    expect(parseVerdict('refusal', ' {"verdict": "answer"}\n')).toBe('clear');
    expect(parseVerdict('hallucination', '{"verdict":"ungrounded"}')).toBe('flagged');
    expect(parseVerdict('hallucination', '{"verdict":"grounded"}')).toBe('clear');
  });

  it.each([
    'Verdict: refusal',
    '```json\n{"verdict":"refusal"}\n```',
    '{"verdict":"refusal","reason":"declines"}',
    '{"verdict":"Refusal"}',
    '{"verdict":"grounded"}',
    '["refusal"]',
    '',
  ])('calls anything else malformed: %p', (reply) => {
    expect(parseVerdict('refusal', reply)).toBeUndefined();
  });

  it('sends the context only to the groundedness rubric, and cuts a long answer', () => {
    const refusal = judgeMessages('refusal', 'x'.repeat(20_000), ['doc']);
    expect(refusal).toHaveLength(2);
    expect(refusal[1]!.content).not.toContain('doc');
    expect(refusal[1]!.content.length).toBeLessThan(8100);
    expect(judgeMessages('hallucination', 'answer', ['The Rhine flows north.'])[1]!.content).toContain('<document index="1">\nThe Rhine flows north.\n</document>');
  });
});
