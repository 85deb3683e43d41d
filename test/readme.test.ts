/**
 * The README's source table is generated from the source registry (`cpt sources --markdown`);
 * this keeps the two from drifting apart.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sourcesMarkdown } from '../src/cli/output.js';

describe('README', () => {
  it('lists every source as the registry describes it', () => {
    const readme = readFileSync(join(process.cwd(), 'README.md'), 'utf8');
    const m = /<!-- sources:start -->\n([\s\S]*?)\n<!-- sources:end -->/.exec(readme);
    expect(m, 'README has a <!-- sources:start --> … <!-- sources:end --> block').not.toBeNull();
    expect(m![1]).toBe(sourcesMarkdown());
  });
});
