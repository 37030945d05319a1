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
