import { fireEvent, render, screen, within } from '@testing-library/react';
import { useState } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { catalogue } from '../../test/fixtures.ts';
import { README_CONFIGURATION_URL } from '../../ui/links.ts';
import { ModelPicker } from './ModelPicker.tsx';

function Harness({
  initial = null as string | null,
  onChange = (_: string | null) => {},
  models = catalogue,
}) {
  const [value, setValue] = useState(initial);
  return (
    <ModelPicker
      catalogue={models}
      value={value}
      defaultModel="openai/gpt-4o-mini"
      onChange={(model) => {
        setValue(model);
        onChange(model);
      }}
    />
  );
}

const open = () => fireEvent.click(screen.getByTestId('model-select'));
const options = () => screen.getAllByTestId('model-option');
const search = () => screen.getByRole('combobox');

describe('ModelPicker', () => {
  it('starts on the bot default and lists every model grouped by provider with details', () => {
    render(<Harness />);
    expect(screen.getByTestId('model-select').textContent).toContain('Bot default (openai/gpt-4o-mini)');
    open();
    const listbox = screen.getByRole('listbox', { name: 'Models' });
    const [first] = options();
    expect(first?.textContent).toContain('Bot default (openai/gpt-4o-mini)');
    expect(first?.getAttribute('aria-selected')).toBe('true');
    expect(within(listbox).getByRole('group', { name: 'openai (2)' })).toBeTruthy();
    expect(within(listbox).getByRole('group', { name: 'anthropic (1)' })).toBeTruthy();
    const mini = options().find((option) => option.dataset.modelId === 'openai/gpt-4o-mini');
    expect(mini?.textContent).toContain('openai/gpt-4o-mini');
    expect(mini?.textContent).toContain('128K ctx');
    expect(mini?.textContent).toContain('$0.15 / $0.60 per 1M');
    const claude = options().find((option) => option.dataset.modelId === 'anthropic/claude-sonnet-4-5');
    expect(claude?.textContent).toContain('price unknown');
  });

  it('filters by search and picks with the keyboard', () => {
    const onChange = vi.fn();
    render(<Harness onChange={onChange} />);
    open();
    fireEvent.change(search(), { target: { value: '4o-' } });
    expect(options().map((option) => option.dataset.modelId)).toEqual(['', 'openai/gpt-4o-mini']);
    fireEvent.change(search(), { target: { value: 'openai' } });
    // The bot default resolves to an openai model, so it matches too.
    expect(options().map((option) => option.dataset.modelId)).toEqual([
      '',
      'openai/gpt-4o',
      'openai/gpt-4o-mini',
    ]);
    expect(search().getAttribute('aria-activedescendant')).toBe(options()[0]?.id);
    fireEvent.keyDown(search(), { key: 'ArrowUp' }); // wraps to the last entry
    expect(search().getAttribute('aria-activedescendant')).toBe(options()[2]?.id);
    fireEvent.keyDown(search(), { key: 'ArrowDown' }); // and back to the first
    fireEvent.keyDown(search(), { key: 'ArrowDown' });
    fireEvent.keyDown(search(), { key: 'ArrowDown' });
    expect(options()[2]?.className).toContain('active');
    fireEvent.keyDown(search(), { key: 'Enter' });
    expect(onChange).toHaveBeenCalledWith('openai/gpt-4o-mini');
    expect(screen.queryByRole('listbox')).toBeNull();
    expect(screen.getByTestId('model-select').textContent).toContain('openai/gpt-4o-mini');
    expect(document.activeElement).toBe(screen.getByTestId('model-select'));
  });

  it('accepts any typed provider/model id', () => {
    const onChange = vi.fn();
    render(<Harness onChange={onChange} />);
    open();
    fireEvent.change(search(), { target: { value: 'groq/llama-3.3-70b' } });
    const manual = screen.getByText('Use groq/llama-3.3-70b');
    expect(manual.closest('[role=option]')?.getAttribute('data-model-id')).toBe('groq/llama-3.3-70b');
    fireEvent.keyDown(search(), { key: 'Enter' });
    expect(onChange).toHaveBeenCalledWith('groq/llama-3.3-70b');
  });

  it('goes back to the bot default with its entry, and closes on Escape without a change', () => {
    const onChange = vi.fn();
    render(<Harness initial="openai/gpt-4o" onChange={onChange} />);
    open();
    expect(options().find((option) => option.getAttribute('aria-selected') === 'true')?.dataset.modelId).toBe(
      'openai/gpt-4o',
    );
    fireEvent.keyDown(search(), { key: 'Escape' });
    expect(screen.queryByRole('listbox')).toBeNull();
    expect(onChange).not.toHaveBeenCalled();
    open();
    fireEvent.click(options()[0] as HTMLElement);
    expect(onChange).toHaveBeenCalledWith(null);
  });

  it('explains how to configure a provider when there are no models', () => {
    render(<Harness models={{ default: null, groups: {} }} />);
    open();
    expect(screen.getByText(/No models — configure a provider/)).toBeTruthy();
    expect(screen.getByRole('link', { name: /configure providers/ }).getAttribute('href')).toBe(
      README_CONFIGURATION_URL,
    );
  });
});
