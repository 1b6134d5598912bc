// The app sidebar pushes the page aside on phones (Radzen's layout below 768px); after a navigation there it folds away.
export function isNarrow() {
    return window.matchMedia('(max-width: 768px)').matches;
}
