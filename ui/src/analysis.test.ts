import { describe, expect, it } from 'vitest';
import { edgeWidth, errorColor } from './ServiceMap';
import { stack } from './Stats';

describe('service map styling', () => {
  it('colours edges by error rate', () => {
    expect(errorColor(0)).toBe('#9ca3af');
    // A gradient by rate: a few errors are amber, half or more failing is red.
    expect(errorColor(0.001)).toBe('#f59e0b');
    expect(errorColor(0.25)).toBe('#e96219');
    expect(errorColor(0.5)).toBe('#dc2626');
    expect(errorColor(0.9)).toBe('#dc2626');
    expect(errorColor(0.05)).not.toBe(errorColor(0.3));
  });
  it('widens edges with the rate, from 1 to 9 px', () => {
    expect(edgeWidth(0, 10)).toBe(1);
    expect(edgeWidth(10, 10)).toBe(9);
    expect(edgeWidth(1, 10)).toBeGreaterThan(1);
    expect(edgeWidth(1, 10)).toBeLessThan(edgeWidth(5, 10));
    expect(edgeWidth(3, 0)).toBe(1);
  });
});

describe('stats charts', () => {
  it('stacks series cumulatively', () => {
    expect(stack([[1, 2], [3, 4], [0, 1]])).toEqual([[1, 2], [4, 6], [4, 7]]);
    expect(stack([])).toEqual([]);
  });
});
