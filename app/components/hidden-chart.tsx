import { type ReactNode, useEffect, useRef } from "react";

/**
 * A Polaris Viz chart shown to the eye only. Its points are unnamed images (axe: svg-img-alt) that it also puts in
 * the tab order, so it is hidden from assistive technology and its points are taken out of the tab order as they
 * render; the page states the same figures as text beside it. Hover tooltips still work.
 */
export function HiddenChart({ children, ...attributes }: { children: ReactNode; [data: `data-${string}`]: string }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const container = ref.current;
    if (!container) return;
    const untab = () => {
      for (const element of container.querySelectorAll<HTMLElement | SVGElement>('[tabindex]:not([tabindex="-1"])'))
        element.setAttribute("tabindex", "-1");
    };
    untab();
    const observer = new MutationObserver(untab);
    observer.observe(container, { subtree: true, childList: true, attributes: true, attributeFilter: ["tabindex"] });
    return () => observer.disconnect();
  }, []);
  return (
    <div ref={ref} style={{ height: 280 }} aria-hidden="true" {...attributes}>
      {children}
    </div>
  );
}
