-- A storefront cart add is held to what its cart holds of stored claims, from any visitor (cart-claims.ts): the
-- claims of one cart are read by its token.
CREATE INDEX "CartEvent_shopId_cartToken_idx" ON "CartEvent"("shopId", "cartToken");
