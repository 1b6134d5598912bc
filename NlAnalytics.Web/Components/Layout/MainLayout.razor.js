// Matches the CSS breakpoint at which the opened sidebar overlays the page.
export const isNarrow = () => window.matchMedia('(max-width: 768px)').matches;
