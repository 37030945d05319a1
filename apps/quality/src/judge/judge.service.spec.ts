import { PriceTable } from '@tokenscope/cost';
import type { GenerationCompleted } from '@tokenscope/queue-contracts';
import { qualityConfigSchema } from '../config/quality.config.js';
import type { JudgeBudget } from './judge-budget.js';
import type { JudgeClient, JudgeReply } from './judge-client.js';
import type { JudgeFacts, JudgeRecorder } from './judge.recorder.js';
import { JudgeService } from './judge.service.js';

const config = qualityConfigSchema.parse({ QUALITY_JUDGE_MODEL: 'judge-model', QUALITY_JUDGE_SAMPLE_RATE: '0.5', QUALITY_JUDGE_CONCURRENCY: '1' });
const event = (userId = 'alice', context: string[] | null = null) => ({ requestId: 'r1', userId, output: 'Sure, here it is.', context }) as GenerationCompleted;
const rules = { isRefusal: false, grounding: 'not_checked' as const };

function setUp(draw: number) {
  const facts: JudgeFacts[] = [];
  const replies: Array<(reply: JudgeReply) => void> = [];
  /** The user message of each call, as the judge model gets it. */
  const asked: string[] = [];
  const client: JudgeClient = {
    complete: (messages) => {
      asked.push(messages[1]!.content);
      return new Promise((resolve) => replies.push(resolve));
    },
  };
  const budget: JudgeBudget = { hasBudget: async () => true, spend: async () => undefined };
  const recorder = { zero: () => undefined, record: (f: JudgeFacts) => facts.push(f) } as unknown as JudgeRecorder;
  const service = new JudgeService(config, client, budget, new PriceTable([]), () => draw, { now: () => Date.parse('2026-12-01T12:00:00Z') }, recorder);
  return { service, facts, replies, asked };
}

describe(JudgeService.name, () => {
  it('judges only the sampled share: a draw at or above the rate is not judged', () => {
    const { service, facts } = setUp(0.5);
    service.consider(event(), rules);
    expect(service.pending).toBe(0);
    expect(facts).toEqual([]);
  });

  it('never judges its own calls', () => {
    const { service } = setUp(0);
    expect(service.isJudgeCall(event(config.QUALITY_JUDGE_USER))).toBe(true);
    service.consider(event(config.QUALITY_JUDGE_USER), rules);
    expect(service.pending).toBe(0);
  });

  it('drops and counts a sample that finds every slot busy instead of queueing it', async () => {
    const { service, facts, replies } = setUp(0);
    service.consider(event(), rules);
    service.consider(event(), rules);
    expect(service.pending).toBe(1);
    expect(facts).toEqual([{ signal: 'refusal', outcome: 'dropped', version: 'judge:judge-model@rubric-2', isRulesFlagged: false }]);
    await new Promise((resolve) => setImmediate(resolve));
    replies[0]!({ text: '{"verdict":"answer"}', promptTokens: 10, completionTokens: 2 });
    await service.onModuleDestroy();
    expect(facts[1]).toMatchObject({ signal: 'refusal', outcome: 'ok', verdict: 'clear', costUsd: 0 });
  });

  it('asks about groundedness too when the generation had context and was no refusal', () => {
    const { service, facts } = setUp(0);
    service.consider(event('alice', ['The Rhine flows north.']), rules);
    // one slot: the refusal review runs, the groundedness one finds it busy
    expect(facts.map((f) => `${f.signal}:${f.outcome}`)).toEqual(['hallucination:dropped']);
  });

  it("sends the event's question to the judge with the answer", async () => {
    const { service, replies, asked } = setUp(0);
    service.consider({ ...event('alice'), question: 'What is prefill?' } as GenerationCompleted, rules);
    await new Promise((resolve) => setImmediate(resolve));
    expect(asked).toEqual(['<question>\nWhat is prefill?\n</question>\n<answer>\nSure, here it is.\n</answer>']);
    replies[0]!({ text: '{"verdict":"answer"}', promptTokens: 10, completionTokens: 2 });
    await service.onModuleDestroy();
  });
});
