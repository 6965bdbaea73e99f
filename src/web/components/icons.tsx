/** Small inline icons: emoji and rare glyphs are missing from many system fonts. */
const svg = (path: string) =>
  function Icon() {
    return (
      <svg width="14" height="14" viewBox="0 0 16 16" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
        <path d={path} />
      </svg>
    );
  };

export const LockIcon = svg('M4 7h8v7H4zM5.5 7V5a2.5 2.5 0 0 1 5 0v2');
export const UnlockIcon = svg('M4 7h8v7H4zM5.5 7V5a2.5 2.5 0 0 1 4.9-.7');
export const DiceIcon = svg('M3 3h10v10H3zM6 6h.01M10 10h.01M10 6h.01M6 10h.01M8 8h.01');
export const SwapIcon = svg('M3 5h9l-2.5-2.5M13 11H4l2.5 2.5');
