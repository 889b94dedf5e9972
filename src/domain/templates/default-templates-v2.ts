import type { TemplateContent } from './template-content.ts';

/** Version 2 of the defaults whose version 1 Meta would refuse, by key. */
export const VERSION_2: ReadonlyMap<string, TemplateContent> = new Map();
