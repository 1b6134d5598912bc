// Small browser helpers for the chat page: downloads, keeping the latest message in view.

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
