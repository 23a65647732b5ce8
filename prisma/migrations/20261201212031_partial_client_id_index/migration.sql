-- DropIndex
DROP INDEX "locations_group_id_device_id_client_id_key";

-- CreateIndex
CREATE UNIQUE INDEX "locations_group_id_device_id_client_id_key" ON "locations"("group_id", "device_id", "client_id") WHERE ("client_id" IS NOT NULL);
