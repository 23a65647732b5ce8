-- AlterTable

-- AlterTable
ALTER TABLE "groups" ADD COLUMN     "last_event_sequence" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN     "state_version" BIGINT NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "webhooks" ADD COLUMN     "event_types" TEXT[] DEFAULT ARRAY['location.created']::TEXT[];

-- CreateTable
CREATE TABLE "geofences" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "group_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "circle_latitude" DOUBLE PRECISION,
    "circle_longitude" DOUBLE PRECISION,
    "radius_meters" DOUBLE PRECISION,
    "polygon" JSONB,
    "device_ids" TEXT[],
    "dwell_seconds" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "geofences_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "geofence_states" (
    "geofence_id" UUID NOT NULL,
    "group_id" UUID NOT NULL,
    "device_id" TEXT NOT NULL,
    "entered_at" TIMESTAMPTZ(3) NOT NULL,
    "dwelled" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "geofence_states_pkey" PRIMARY KEY ("geofence_id","device_id")
);

-- CreateTable
CREATE TABLE "geofence_events" (
    "group_id" UUID NOT NULL,
    "sequence" BIGINT NOT NULL,
    "type" TEXT NOT NULL,
    "geofence_id" UUID NOT NULL,
    "geofence_name" TEXT NOT NULL,
    "device_id" TEXT NOT NULL,
    "location_sequence" BIGINT NOT NULL,
    "location" JSON NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "removed" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "geofence_events_pkey" PRIMARY KEY ("group_id","sequence")
);

-- CreateIndex
CREATE INDEX "geofences_group_id_created_at_id_idx" ON "geofences"("group_id", "created_at", "id");

-- CreateIndex
CREATE INDEX "geofence_states_group_id_device_id_idx" ON "geofence_states"("group_id", "device_id");

-- CreateIndex
CREATE INDEX "geofence_events_group_id_device_id_sequence_idx" ON "geofence_events"("group_id", "device_id", "sequence");

-- CreateIndex
CREATE INDEX "geofence_events_group_id_geofence_id_sequence_idx" ON "geofence_events"("group_id", "geofence_id", "sequence");

-- CreateIndex
CREATE INDEX "geofence_events_group_id_occurred_at_sequence_idx" ON "geofence_events"("group_id", "occurred_at", "sequence");

-- CreateIndex
CREATE INDEX "geofence_events_created_at_idx" ON "geofence_events" USING BRIN ("created_at");

-- AddForeignKey
ALTER TABLE "geofences" ADD CONSTRAINT "geofences_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "groups"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "geofence_states" ADD CONSTRAINT "geofence_states_geofence_id_fkey" FOREIGN KEY ("geofence_id") REFERENCES "geofences"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "geofence_events" ADD CONSTRAINT "geofence_events_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "groups"("id") ON DELETE CASCADE ON UPDATE CASCADE;
