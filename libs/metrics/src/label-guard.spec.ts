import { LabelGuard } from './label-guard.js';

describe(LabelGuard.name, () => {
  it('passes configured values and folds everything else into the fallback', () => {
    const guard = new LabelGuard(['sim-small', 'sim-large']);
    expect(guard.value('sim-small')).toBe('sim-small');
    expect(guard.value('made-up')).toBe('unknown');
    expect(guard.value(undefined)).toBe('unknown');
    expect(guard.value('__proto__')).toBe('unknown');
    const distinct = new Set(Array.from({ length: 10_000 }, (_, i) => guard.value(`m${i}`)));
    expect([...distinct]).toEqual(['unknown']);
  });

  it('takes values added later (models discovered after boot) into the closed set', () => {
    const guard = new LabelGuard(['a']);
    expect(guard.value('b')).toBe('unknown');
    guard.allow(['b']);
    expect(guard.value('b')).toBe('b');
    expect(guard.value('c')).toBe('unknown');
  });
});
