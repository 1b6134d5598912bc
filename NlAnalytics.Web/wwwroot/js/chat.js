// Small browser helpers for the chat page: Enter to send, copy, downloads, keeping the latest message in view.

/** Enter sends (calls dotNet.invokeMethodAsync('SendFromKeyboard', text)); Shift+Enter inserts a new line. */
export function attachComposer(textarea, dotNet) {
    if (!textarea || textarea.dataset.composer) return;
    textarea.dataset.composer = '1';
    const resize = () => {
        textarea.style.height = 'auto';
        textarea.style.height = Math.min(textarea.scrollHeight, 220) + 'px';
    };
    textarea.addEventListener('keydown', event => {
        if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
            event.preventDefault();
            dotNet.invokeMethodAsync('SendFromKeyboard', textarea.value);
        }
    });
    textarea.addEventListener('input', resize);
    resize();
}

export function resetComposer(textarea) {
    if (!textarea) return;
    textarea.style.height = 'auto';
    textarea.focus();
}

export async function copyText(text) {
    try {
        await navigator.clipboard.writeText(text);
        return true;
    } catch {
        // Clipboard API needs a secure context; fall back to a hidden textarea.
        const area = document.createElement('textarea');
        area.value = text;
        area.style.position = 'fixed';
        area.style.opacity = '0';
        document.body.appendChild(area);
        area.select();
        const ok = document.execCommand('copy');
        area.remove();
        return ok;
    }
}

/** Saves bytes streamed from .NET (a DotNetStreamReference) as a file. */
export async function downloadStream(fileName, contentType, streamRef) {
    const buffer = await streamRef.arrayBuffer();
    const url = URL.createObjectURL(new Blob([buffer], { type: contentType }));
    const link = document.createElement('a');
    link.href = url;
    link.download = fileName;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** Scrolls the conversation to its end unless the user has scrolled up to read. */
export function scrollToEnd(element, force) {
    if (!element) return;
    const nearEnd = element.scrollHeight - element.scrollTop - element.clientHeight < 160;
    if (force || nearEnd) element.scrollTop = element.scrollHeight;
}
