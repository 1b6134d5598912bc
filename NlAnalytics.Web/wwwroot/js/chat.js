// Small browser helpers for the chat page: Enter to send, copy, downloads, keeping the latest message in view.

/** Enter sends (calls dotNet.invokeMethodAsync('SendFromKeyboard', text)); Shift+Enter inserts a new line. */
export function attachComposer(textarea, dotNet) {
    if (!textarea || textarea.dataset.composer) return;
    textarea.dataset.composer = '1';
    const resize = () => {
        textarea.style.height = 'auto';
        textarea.style.height = Math.min(textarea.scrollHeight, 220) + 'px';
    };
    // One send at a time from the keyboard: a second Enter before the first is taken does nothing, and the
    // box is cleared here as soon as the server took the question, so a late Enter cannot send it again.
    let sending = false;
    textarea.addEventListener('keydown', async event => {
        if (event.key !== 'Enter' || event.shiftKey || event.isComposing) return;
        event.preventDefault();
        if (sending) return;
        sending = true;
        try {
            const taken = await dotNet.invokeMethodAsync('SendFromKeyboard', textarea.value);
            if (taken) { textarea.value = ''; resize(); }
        } catch {
            // The circuit is gone; Blazor shows its reconnect UI and the text stays in the box.
        } finally {
            sending = false;
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

/** Brings a message's question to the top of the conversation (or the end, when the message is short). */
export function scrollToMessage(element, messageId) {
    if (!element) return;
    const message = element.querySelector(`[data-message-id="${CSS.escape(messageId)}"]`);
    if (!message) { element.scrollTop = element.scrollHeight; return; }
    const offset = message.getBoundingClientRect().top - element.getBoundingClientRect().top;
    element.scrollTop = Math.min(element.scrollTop + offset - 12, element.scrollHeight);
}
