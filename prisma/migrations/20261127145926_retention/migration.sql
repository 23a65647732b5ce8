-- CreateIndex
CREATE INDEX "locations_received_at_idx" ON "locations" USING BRIN ("received_at");

-- CreateIndex
CREATE INDEX "webhook_deliveries_created_at_idx" ON "webhook_deliveries" USING BRIN ("created_at");
