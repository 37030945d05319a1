import { judgeMessages, judgeVersion, parseVerdict } from './judge-rubric.js';

describe('judge rubric', () => {
  it('names the judge by model and rubric version', () => {
    expect(judgeVersion('gpt-judge')).toBe('judge:gpt-judge@rubric-2');
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

  it('puts the question before the answer when the event has one (rubric-2), its end when it is long, and nothing when it has none', () => {
    const grounded = judgeMessages('hallucination', 'Marie Curie, twice.', ['She won in 1903 and 1911.'], 'How often did Marie Curie win?')[1]!.content;
    expect(grounded).toBe('<context>\n<document index="1">\nShe won in 1903 and 1911.\n</document>\n</context>\n<question>\nHow often did Marie Curie win?\n</question>\n<answer>\nMarie Curie, twice.\n</answer>');
    const long = judgeMessages('refusal', 'No.', null, `${'x'.repeat(10_000)}Why?`)[1]!.content;
    expect(long).toMatch(/^<question>\nx{3996}Why\?\n<\/question>\n<answer>\nNo\.\n<\/answer>$/);
    expect(judgeMessages('refusal', 'No.', null, null)[1]!.content).toBe('<answer>\nNo.\n</answer>');
  });
});
