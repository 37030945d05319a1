import { BoundedBuffer } from './bounded-buffer.js';

describe(BoundedBuffer.name, () => {
  it('hands items out oldest first', () => {
    const buffer = new BoundedBuffer<number>(10);
    for (let i = 0; i < 5; i++) buffer.push(i);
    expect(buffer.take(3)).toEqual([0, 1, 2]);
    expect(buffer.take(10)).toEqual([3, 4]);
    expect(buffer.size).toBe(0);
  });

  it('drops the oldest item once full and reports each drop', () => {
    const buffer = new BoundedBuffer<number>(3);
    const dropped = [1, 2, 3, 4, 5].map((i) => buffer.push(i));
    expect(dropped).toEqual([0, 0, 0, 1, 1]);
    expect(buffer.take(10)).toEqual([3, 4, 5]);
  });

  it('puts an undelivered batch back in front, keeping the bound', () => {
    const buffer = new BoundedBuffer<number>(4);
    buffer.push(1);
    buffer.push(2);
    const batch = buffer.take(2);
    buffer.push(3);
    buffer.push(4);
    buffer.push(5);
    expect(buffer.putBack(batch)).toBe(1); // room for one of the two
    expect(buffer.take(10)).toEqual([2, 3, 4, 5]);
  });

  it('stays bounded over a long run of pushes', () => {
    const buffer = new BoundedBuffer<number>(100);
    let dropped = 0;
    for (let i = 0; i < 100_000; i++) dropped += buffer.push(i);
    expect(buffer.size).toBe(100);
    expect(dropped).toBe(99_900);
    expect(buffer.take(1)).toEqual([99_900]);
  });
});

describe(`${BoundedBuffer.name} in bytes`, () => {
  const sized = (limit: number, limitBytes: number) => new BoundedBuffer<string>(limit, limitBytes, (item) => item.length);

  it('drops the oldest items once their bytes pass the limit, whatever their count', () => {
    const buffer = sized(1000, 10);
    expect(['aaaa', 'bbbb'].map((item) => buffer.push(item))).toEqual([0, 0]);
    expect(buffer.bytes).toBe(8);
    expect(buffer.push('cccccc')).toBe(1); // 4 + 6 = 10 fits once the first is gone
    expect(buffer.bytes).toBe(10);
    expect(buffer.push('dddddddd')).toBe(2);
    expect(buffer.take(10)).toEqual(['dddddddd']);
    expect(buffer.bytes).toBe(0);
  });

  it('drops an item larger than the whole limit, with everything before it', () => {
    const buffer = sized(1000, 10);
    buffer.push('aa');
    expect(buffer.push('x'.repeat(11))).toBe(2);
    expect(buffer.size).toBe(0);
    expect(buffer.bytes).toBe(0);
  });

  it('puts back only the newest of a batch that fit in the bytes left', () => {
    const buffer = sized(1000, 10);
    buffer.push('aaa');
    buffer.push('bbb');
    const batch = buffer.take(2);
    buffer.push('cccccc');
    expect(buffer.putBack(batch)).toBe(1); // 6 + 3 = 9: room for one of the two
    expect(buffer.bytes).toBe(9);
    expect(buffer.take(10)).toEqual(['bbb', 'cccccc']);
  });

  it('keeps its byte count exact over a long run of pushes and takes', () => {
    const buffer = sized(100_000, 1000);
    let dropped = 0;
    let taken = 0;
    for (let i = 0; i < 50_000; i++) {
      dropped += buffer.push('x'.repeat(1 + (i % 7)));
      expect(buffer.bytes).toBeLessThanOrEqual(1000);
      if (i % 11 === 0) taken += buffer.take(3).length;
    }
    const held = buffer.take(100_000);
    expect(buffer.bytes).toBe(0);
    expect(held.reduce((sum, item) => sum + item.length, 0)).toBeGreaterThan(990);
    // every item pushed is either held, taken or counted as dropped
    expect(dropped + taken + held.length).toBe(50_000);
  });
});
