import { DetectorSuite } from './detector-suite.js';
import type { DetectorVerdict, QualityDetector, QualitySignal } from './quality-detector.js';

function fixed(name: string, signal: QualitySignal, verdict: DetectorVerdict['status']): QualityDetector {
  return { name, version: `${name}@1`, signal, detect: async () => ({ status: verdict }) };
}
const generation = { requestId: 'r', model: 'm', output: 'text', context: ['ctx'] };

describe(DetectorSuite.name, () => {
  it('flags a refusal and does not check a refusal for groundedness', async () => {
    const suite = new DetectorSuite([fixed('r', 'refusal', 'flagged'), fixed('h', 'hallucination', 'flagged')]);
    expect(await suite.review(generation)).toMatchObject({ isRefusal: true, grounding: 'not_checked' });
  });

  it('calls a generation ungrounded when any hallucination detector flags it', async () => {
    const suite = new DetectorSuite([fixed('r', 'refusal', 'clear'), fixed('lexical', 'hallucination', 'clear'), fixed('judge', 'hallucination', 'flagged')]);
    expect(await suite.review(generation)).toMatchObject({ isRefusal: false, grounding: 'ungrounded' });
  });

  it('calls it grounded when one checked and none flagged, not checked when none checked', async () => {
    expect(await new DetectorSuite([fixed('a', 'hallucination', 'not_checked'), fixed('b', 'hallucination', 'clear')]).review(generation)).toMatchObject({
      isRefusal: false,
      grounding: 'grounded',
    });
    expect(await new DetectorSuite([fixed('a', 'hallucination', 'not_checked')]).review(generation)).toMatchObject({ isRefusal: false, grounding: 'not_checked' });
  });

  it('reports what each detector that ran answered, in order, and none that did not run', async () => {
    const suite = new DetectorSuite([fixed('r', 'refusal', 'clear'), fixed('a', 'hallucination', 'flagged'), fixed('b', 'hallucination', 'clear')]);
    const { readings } = await suite.review(generation);
    expect(readings).toEqual([
      { detector: 'r', version: 'r@1', signal: 'refusal', verdict: { status: 'clear' } },
      { detector: 'a', version: 'a@1', signal: 'hallucination', verdict: { status: 'flagged' } },
    ]);
  });
});
