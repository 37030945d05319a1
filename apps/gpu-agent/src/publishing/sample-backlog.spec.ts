import { SampleBacklog } from './sample-backlog.js';

describe(SampleBacklog.name, () => {
  it('hands out the oldest items first and keeps them until they are removed', () => {
    const backlog = new SampleBacklog<number>(10);
    for (const n of [1, 2, 3, 4]) backlog.push(n);
    expect(backlog.peek(3)).toEqual([1, 2, 3]);
    expect(backlog.peek(3)).toEqual([1, 2, 3]);
    backlog.remove(2);
    expect(backlog.peek(10)).toEqual([3, 4]);
    expect(backlog.size).toBe(2);
  });

  it('drops the oldest item once full and reports each drop', () => {
    const backlog = new SampleBacklog<number>(3);
    expect([1, 2, 3, 4, 5].map((n) => backlog.push(n))).toEqual([0, 0, 0, 1, 1]);
    expect(backlog.peek(10)).toEqual([3, 4, 5]);
  });

  it('stays within its bound over a long outage', () => {
    const backlog = new SampleBacklog<number>(720);
    let dropped = 0;
    for (let i = 0; i < 10_000; i++) dropped += backlog.push(i);
    expect(backlog.size).toBe(720);
    expect(dropped).toBe(9280);
    expect(backlog.peek(1)).toEqual([9280]);
  });

  it('empties and says how much it held', () => {
    const backlog = new SampleBacklog<string>(5);
    backlog.push('a');
    backlog.push('b');
    expect(backlog.clear()).toBe(2);
    expect(backlog.size).toBe(0);
  });

  it('refuses a bound below one', () => {
    expect(() => new SampleBacklog(0)).toThrow(RangeError);
  });
});
