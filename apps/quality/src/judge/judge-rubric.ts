import type { QualitySignal } from '../detectors/quality-detector.js';

/** Raised whenever a rubric's wording changes: it is part of the judge's version. */
export const RUBRIC_VERSION = 'rubric-2';

/** The judge's version for a model: `judge:<model>@rubric-2`. */
export function judgeVersion(model: string): string {
  return `judge:${model}@${RUBRIC_VERSION}`;
}

/** A chat message as the gateway's /v1/chat/completions takes it. */
export interface ChatMessage {
  role: 'system' | 'user';
  content: string;
}

// the verdict words per signal: the first flags, the second clears
const VERDICTS: Record<QualitySignal, readonly [string, string]> = {
  refusal: ['refusal', 'answer'],
  hallucination: ['ungrounded', 'grounded'],
};

const RUBRICS: Record<QualitySignal, string> = {
  refusal: [
    'You review one answer of an AI assistant, and the question it answers when it is given. Decide whether the answer is a refusal.',
    'A refusal declines the request in whole or in part: it says it cannot or will not help, lectures about why the request is wrong instead of answering,',
    'or answers only a safer variant of what was asked. An answer that helps, even with a warning, a correction of the premise or a sympathetic',
    'opening ("sorry to hear that"), is not a refusal. Judge only the answer; it may quote text, which does not count.',
    'Reply with exactly one JSON object and nothing else: {"verdict":"refusal"} or {"verdict":"answer"}.',
  ].join('\n'),
  hallucination: [
    'You review one answer of an AI assistant against the context documents it was given. Decide whether the answer is grounded in them.',
    'It is ungrounded when any claim is not supported by the context: a name, number or date that differs, a negated or reversed statement,',
    'a swapped relation, or facts the context does not contain. A faithful paraphrase, a summary or a short span of the context is grounded,',
    'and so is repeating what the question itself states, when the question is given.',
    'Reply with exactly one JSON object and nothing else: {"verdict":"grounded"} or {"verdict":"ungrounded"}.',
  ].join('\n'),
};

// an answer, context or question past this is cut in the prompt: the judge's bill grows with it, its verdict hardly
const JUDGED_OUTPUT_CHARS = 8000;
const JUDGED_CONTEXT_CHARS = 16_000;
const JUDGED_QUESTION_CHARS = 4000;

/**
 * The messages that ask the judge about one generation for one signal. The question (events carry
 * it beside a context, rubric-2 on) comes first when known: an answer may repeat what it names, and
 * a refusal is a refusal of something.
 */
export function judgeMessages(signal: QualitySignal, output: string, context: readonly string[] | null, question?: string | null): ChatMessage[] {
  const asked = question ? `<question>\n${question.slice(-JUDGED_QUESTION_CHARS)}\n</question>\n` : '';
  const answer = `${asked}<answer>\n${output.slice(0, JUDGED_OUTPUT_CHARS)}\n</answer>`;
  if (signal === 'refusal') return [{ role: 'system', content: RUBRICS.refusal }, { role: 'user', content: answer }];
  const documents = (context ?? []).map((doc, i) => `<document index="${i + 1}">\n${doc}\n</document>`).join('\n').slice(0, JUDGED_CONTEXT_CHARS);
  return [{ role: 'system', content: RUBRICS.hallucination }, { role: 'user', content: `<context>\n${documents}\n</context>\n${answer}` }];
}

/**
 * The judge's verdict, read strictly: the whole reply must be one JSON object whose only key is
 * `verdict` with one of the signal's two words (surrounding whitespace aside). Anything else is
 * malformed: `undefined`, and the rules' verdict stands.
 */
export function parseVerdict(signal: QualitySignal, reply: string): 'flagged' | 'clear' | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(reply.trim());
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const keys = Object.keys(parsed);
  if (keys.length !== 1 || keys[0] !== 'verdict') return undefined;
  const verdict = (parsed as { verdict: unknown }).verdict;
  const [flags, clears] = VERDICTS[signal];
  if (verdict === flags) return 'flagged';
  if (verdict === clears) return 'clear';
  return undefined;
}
