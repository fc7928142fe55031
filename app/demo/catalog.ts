/** The demo shop's products: the seeded history and the storefront simulator sell the same things. */
export const DEMO_CATALOG = [
  {
    productId: "8101",
    variantId: "48101",
    title: "Hydrating Face Cream",
    price: "34.90",
    handle: "hydrating-face-cream",
  },
  {
    productId: "8102",
    variantId: "48102",
    title: "Gentle Cleansing Gel",
    price: "18.50",
    handle: "gentle-cleansing-gel",
  },
  { productId: "8103", variantId: "48103", title: "Vitamin C Serum", price: "42.00", handle: "vitamin-c-serum" },
  { productId: "8104", variantId: "48104", title: "SPF 50 Day Fluid", price: "27.90", handle: "spf-50-day-fluid" },
  { productId: "8105", variantId: "48105", title: "Night Repair Oil", price: "55.00", handle: "night-repair-oil" },
  { productId: "8106", variantId: "48106", title: "Lip Balm Trio", price: "12.00", handle: "lip-balm-trio" },
  { productId: "8107", variantId: "48107", title: "Clay Mask", price: "22.40", handle: "clay-mask" },
  {
    productId: "8108",
    variantId: "48108",
    title: "Travel Skincare Set",
    price: "64.00",
    handle: "travel-skincare-set",
  },
] as const;

export type DemoProduct = (typeof DEMO_CATALOG)[number];
