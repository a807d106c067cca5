import { LIMITS, ModelClassSchema, type Template } from '@cachibot/protocol';
import { z } from 'zod';
import business from './catalogue/business.json' with { type: 'json' };
import career from './catalogue/career.json' with { type: 'json' };
import coding from './catalogue/coding.json' with { type: 'json' };
import creative from './catalogue/creative.json' with { type: 'json' };
import data from './catalogue/data.json' with { type: 'json' };
import health from './catalogue/health.json' with { type: 'json' };
import language from './catalogue/language.json' with { type: 'json' };
import learning from './catalogue/learning.json' with { type: 'json' };
import lifestyle from './catalogue/lifestyle.json' with { type: 'json' };
import productivity from './catalogue/productivity.json' with { type: 'json' };
import research from './catalogue/research.json' with { type: 'json' };
import writing from './catalogue/writing.json' with { type: 'json' };

/** The shipped category files, in the order the gallery lists them. */
export const CATALOGUE_FILES: unknown[] = [
  writing,
  coding,
  data,
  learning,
  business,
  research,
  productivity,
  creative,
  language,
  health,
  career,
  lifestyle,
];

const SlugSchema = z
  .string()
  .max(60)
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'a lower-case slug such as "code-reviewer"');

/** One template as written in a category file: what a good template must have. */
export const CatalogueTemplateSchema = z.strictObject({
  id: SlugSchema,
  name: z.string().trim().min(3).max(60),
  description: z.string().trim().min(20).max(200),
  tags: z
    .array(
      z
        .string()
        .min(2)
        .max(30)
        .regex(/^[a-z0-9][a-z0-9 &+/-]*$/, 'lower case'),
    )
    .min(2)
    .max(8),
  icon: z.string().min(1).max(16),
  color: z.string().regex(/^#[0-9a-f]{6}$/, 'a lower-case #rrggbb colour'),
  modelClass: ModelClassSchema,
  /** Role, scope, tone and output format: a real prompt, not a one-liner. */
  systemPrompt: z
    .string()
    .min(200)
    .max(LIMITS.systemPromptChars)
    .regex(/^You are /, 'starts by giving the model its role ("You are …")'),
  /** Sent as-is when clicked: complete messages, not "Here is my text:" stubs. */
  starters: z
    .array(
      z
        .string()
        .min(8)
        .max(LIMITS.starterChars)
        .refine((text) => text === text.trim() && !text.endsWith(':'), 'a complete message'),
    )
    .min(2)
    .max(LIMITS.startersPerBot),
});
export type CatalogueTemplate = z.infer<typeof CatalogueTemplateSchema>;

export const CatalogueFileSchema = z.strictObject({
  category: z.strictObject({ id: SlugSchema, name: z.string().min(2).max(40) }),
  templates: z.array(CatalogueTemplateSchema).min(1),
});

export interface TemplateCategoryInfo {
  id: string;
  name: string;
}

export interface TemplateCatalogue {
  categories: TemplateCategoryInfo[];
  /** In gallery order: by category, then as written. */
  templates: Template[];
  get(templateId: string): Template | undefined;
}

/**
 * The shipped templates, validated: a broken or duplicated entry stops the start with its file and
 * field named, like a broken price catalogue.
 */
export function loadTemplateCatalogue(files: unknown[] = CATALOGUE_FILES): TemplateCatalogue {
  const categories: TemplateCategoryInfo[] = [];
  const templates: Template[] = [];
  const byId = new Map<string, Template>();
  for (const [index, file] of files.entries()) {
    const parsed = CatalogueFileSchema.safeParse(file);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(
        `Template catalogue file ${index + 1} is invalid at ${issue?.path.join('.') || '(root)'}: ${issue?.message}`,
      );
    }
    const { category } = parsed.data;
    if (categories.some((known) => known.id === category.id))
      throw new Error(`Template category "${category.id}" appears twice`);
    categories.push(category);
    for (const entry of parsed.data.templates) {
      if (byId.has(entry.id)) throw new Error(`Template id "${entry.id}" appears twice`);
      const template: Template = { ...entry, category: category.id, source: 'builtin' };
      byId.set(entry.id, template);
      templates.push(template);
    }
  }
  return { categories, templates, get: (templateId) => byId.get(templateId) };
}
