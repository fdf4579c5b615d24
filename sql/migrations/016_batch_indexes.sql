-- What a withdrawal (wiqaya-etl withdraw, DELETE /api/v1/batches/{id}) looks up: the cases
-- of a batch and the persons it introduced. Without these it read the case and person
-- tables whole, several times, while holding the linkage lock that every load and intake
-- commit waits for.
CREATE INDEX ON warehouse."case" (batch_id);
CREATE INDEX ON warehouse.person (first_batch);
