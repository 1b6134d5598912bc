// The SQL editor of an answer: CodeMirror 6 with the PostgreSQL dialect and completion of the data
// source's table and column names. Read-only until the user chooses to edit; the text goes back to .NET
// only when asked (getValue), never evaluated here.
import { EditorState, Compartment } from '@codemirror/state';
import { EditorView, keymap, lineNumbers, highlightActiveLine, drawSelection } from '@codemirror/view';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { syntaxHighlighting, defaultHighlightStyle, bracketMatching } from '@codemirror/language';
import { autocompletion, completionKeymap, closeBrackets, closeBracketsKeymap } from '@codemirror/autocomplete';
import { sql, PostgreSQL } from '@codemirror/lang-sql';
import { oneDark } from '@codemirror/theme-one-dark';

const editors = new WeakMap();

const baseTheme = EditorView.theme({
    '&': { fontSize: '13px', backgroundColor: 'transparent' },
    '.cm-scroller': { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace', lineHeight: '1.5' },
    '.cm-content': { padding: '8px 0' },
    '&.cm-focused': { outline: 'none' },
    '.cm-gutters': { backgroundColor: 'transparent', border: 'none' },
});

/**
 * Creates an editor in element. options: { doc, readOnly, dark, schema } where schema maps
 * "schema.table" to its column names (for completion). Returns nothing; the editor is kept per element.
 */
export function create(element, options) {
    if (!element) return;
    dispose(element);
    const readOnly = new Compartment();
    const theme = new Compartment();
    const language = new Compartment();
    const view = new EditorView({
        parent: element,
        state: EditorState.create({
            doc: options?.doc ?? '',
            extensions: [
                lineNumbers(),
                history(),
                drawSelection(),
                highlightActiveLine(),
                bracketMatching(),
                closeBrackets(),
                autocompletion(),
                syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
                keymap.of([indentWithTab, ...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap, ...completionKeymap]),
                EditorView.lineWrapping,
                baseTheme,
                language.of(sqlLanguage(options?.schema)),
                theme.of(options?.dark ? oneDark : []),
                readOnly.of(readOnlyExtensions(options?.readOnly !== false)),
                EditorView.contentAttributes.of({ 'aria-label': 'SQL', spellcheck: 'false' }),
            ],
        }),
    });
    editors.set(element, { view, readOnly, theme, language });
}

function sqlLanguage(schema) {
    return sql({ dialect: PostgreSQL, schema: schema ?? {}, upperCaseKeywords: true });
}

function readOnlyExtensions(on) {
    return [EditorState.readOnly.of(on), EditorView.editable.of(!on)];
}

/** Switches between reading and editing; focuses the editor when editing starts. */
export function setReadOnly(element, on) {
    const editor = editors.get(element);
    if (!editor) return;
    editor.view.dispatch({ effects: editor.readOnly.reconfigure(readOnlyExtensions(on)) });
    if (!on) editor.view.focus();
}

export function setDark(element, dark) {
    const editor = editors.get(element);
    if (!editor) return;
    editor.view.dispatch({ effects: editor.theme.reconfigure(dark ? oneDark : []) });
}

export function setSchema(element, schema) {
    const editor = editors.get(element);
    if (!editor) return;
    editor.view.dispatch({ effects: editor.language.reconfigure(sqlLanguage(schema)) });
}

export function setValue(element, text) {
    const editor = editors.get(element);
    if (!editor) return;
    editor.view.dispatch({ changes: { from: 0, to: editor.view.state.doc.length, insert: text ?? '' } });
}

export function getValue(element) {
    return editors.get(element)?.view.state.doc.toString() ?? '';
}

export async function copy(element) {
    const text = getValue(element);
    try {
        await navigator.clipboard.writeText(text);
        return true;
    } catch {
        return false;
    }
}

export function dispose(element) {
    const editor = editors.get(element);
    if (!editor) return;
    editor.view.destroy();
    editors.delete(element);
}
