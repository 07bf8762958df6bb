import { productOf, type PlanCatalog, type Product } from '../../ledger/index.js';
import { builder } from '../builder.js';

export type ProductNode = { readonly key: string; readonly product: Product };

/** The product `key` of the plan catalog, or null when no plan of the catalog belongs to it. */
export function productNode(catalog: PlanCatalog, key: string): ProductNode | null {
  const offered = Object.values(catalog.plans).some((plan) => plan.product === key);
  return offered ? { key, product: productOf(catalog, key) } : null;
}

export const ProductRef = builder.node(builder.objectRef<ProductNode>('Product'), {
  description: 'A product line of the plan catalog: its plans are tiers of one offer, and a plan change stays within it.',
  id: { resolve: ({ key }) => key },
  loadOne: (key, context) => productNode(context.services.catalogs.plans, key),
  fields: (t) => ({
    key: t.string({ description: 'The id the catalog knows the product by, e.g. `rheos`.', resolve: ({ key }) => key }),
    name: t.string({ description: 'What a pricing page calls it, e.g. "Rheos".', resolve: ({ product }) => product.name }),
    description: t.string({ description: 'What the product offers, in a sentence for people.', resolve: ({ product }) => product.description }),
  }),
});
