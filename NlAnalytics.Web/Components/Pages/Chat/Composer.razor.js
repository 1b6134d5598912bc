// Enter sends (calls dotNet.invokeMethodAsync('SendFromKeyboard', text)); Shift+Enter inserts a new line.
export function attach(box, dotNet) {
    const textarea = box?.querySelector('textarea');
    if (!textarea || textarea.dataset.composer) return;
    textarea.dataset.composer = '1';
    // The box grows with its text up to a few lines, then scrolls.
    const resize = () => {
        textarea.style.height = 'auto';
        textarea.style.height = Math.min(textarea.scrollHeight, 200) + 'px';
    };
    textarea.addEventListener('input', resize);
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
}

export function focus(box) {
    box?.querySelector('textarea')?.focus();
}
