import { CreateBotBodySchema, type Template, TemplateSchema } from '@cachibot/protocol';
import { describe, expect, it } from 'vitest';
import {
  CATALOGUE_FILES,
  CatalogueFileSchema,
  loadTemplateCatalogue,
} from '../src/templates/template-catalogue.ts';
import { matchesQuery } from '../src/templates/template-service.ts';

const catalogue = loadTemplateCatalogue();
const firstSentence = (text: string) => text.split(/(?<=[.!?])\s/)[0] ?? '';
const duplicates = (values: string[]) => values.filter((value, index) => values.indexOf(value) !== index);

describe('the shipped template catalogue', () => {
  it('validates every category file against the catalogue schema', () => {
    for (const [index, file] of CATALOGUE_FILES.entries()) {
      const result = CatalogueFileSchema.safeParse(file);
      expect(result.success, `file ${index + 1}: ${JSON.stringify(result.error?.issues[0])}`).toBe(true);
    }
  });

  it('ships at least 60 templates in at least 10 categories, each category with at least 3', () => {
    expect(catalogue.templates.length).toBeGreaterThanOrEqual(60);
    expect(catalogue.categories.length).toBeGreaterThanOrEqual(10);
    for (const category of catalogue.categories) {
      const count = catalogue.templates.filter((template) => template.category === category.id).length;
      expect(count, category.id).toBeGreaterThanOrEqual(3);
    }
    expect(catalogue.categories.map((category) => category.id)).toEqual(
      expect.arrayContaining(['writing', 'coding', 'data', 'learning', 'business', 'research']),
    );
    expect(catalogue.categories.map((category) => category.id)).toEqual(
      expect.arrayContaining(['productivity', 'creative', 'language', 'health']),
    );
  });

  it('has unique ids, names, descriptions and prompts, and no two prompts open alike', () => {
    const { templates } = catalogue;
    expect(duplicates(templates.map((template) => template.id))).toEqual([]);
    expect(duplicates(templates.map((template) => template.name.toLowerCase()))).toEqual([]);
    expect(duplicates(templates.map((template) => template.description))).toEqual([]);
    expect(duplicates(templates.map((template) => template.systemPrompt))).toEqual([]);
    expect(duplicates(templates.map((template) => firstSentence(template.systemPrompt)))).toEqual([]);
    expect(duplicates(templates.flatMap((template) => template.starters))).toEqual([]);
  });

  it('gives every template a prompt with role, scope, tone and output format, and two or more starters', () => {
    for (const template of catalogue.templates) {
      const paragraphs = template.systemPrompt.split('\n\n');
      expect(template.systemPrompt.length, template.id).toBeGreaterThanOrEqual(200);
      expect(template.systemPrompt, template.id).toMatch(/^You are /); // role
      expect(paragraphs.length, `${template.id}: role, scope, tone, format`).toBeGreaterThanOrEqual(4);
      expect(template.systemPrompt, `${template.id}: tone`).toMatch(/\b(tone|be [a-z]+|write in|warm|calm)\b/i);
      // The last paragraph says how to shape the answer.
      expect(paragraphs.at(-1), `${template.id}: output format`).toMatch(
        /markdown|format|table|list|block|bullet|heading|numbered|prose|present|deliver|reply with|reply in|answer in|output/i,
      );
      expect(template.starters.length, template.id).toBeGreaterThanOrEqual(2);
    }
  });

  it('matches the public Template shape, and installs as a valid bot body', () => {
    for (const template of catalogue.templates) {
      expect(TemplateSchema.safeParse(template).success, template.id).toBe(true);
      const body = {
        name: template.name,
        description: template.description,
        icon: template.icon,
        color: template.color,
        systemPrompt: template.systemPrompt,
        starters: template.starters,
      };
      const parsed = CreateBotBodySchema.safeParse(body);
      expect(parsed.success, `${template.id}: ${JSON.stringify(parsed.error?.issues[0])}`).toBe(true);
    }
  });

  it('refuses a broken file at load, naming the file and the field', () => {
    const [first] = CATALOGUE_FILES as { category: unknown; templates: Record<string, unknown>[] }[];
    const broken = {
      ...first,
      templates: [{ ...first?.templates[0], starters: ['Only one starter here.'] }],
    };
    expect(() => loadTemplateCatalogue([broken])).toThrow(/file 1 is invalid at templates\.0\.starters/);
    const stub = { ...first?.templates[0], systemPrompt: 'Too short.' };
    expect(() => loadTemplateCatalogue([{ ...first, templates: [stub] }])).toThrow(/systemPrompt/);
  });

  it('refuses a template id that appears twice', () => {
    const [first] = CATALOGUE_FILES as { category: { id: string }; templates: unknown[] }[];
    const copy = { ...first, category: { id: 'copy', name: 'Copy' } };
    expect(() => loadTemplateCatalogue([first, copy])).toThrow(/appears twice/);
  });
});

describe('template search', () => {
  const template = {
    name: 'Regex Builder',
    description: 'Builds regular expressions with test cases.',
    tags: ['parsing', 'validation'],
  } as Template;

  it('matches every word in the name, description or tags, ignoring case', () => {
    expect(matchesQuery(template, undefined)).toBe(true);
    expect(matchesQuery(template, '  ')).toBe(true);
    expect(matchesQuery(template, 'REGEX')).toBe(true);
    expect(matchesQuery(template, 'test cases')).toBe(true);
    expect(matchesQuery(template, 'validation builder')).toBe(true);
    expect(matchesQuery(template, 'regex spreadsheet')).toBe(false);
    expect(matchesQuery(template, 'pars')).toBe(true);
  });
});
