-- One database per service (docker-compose: runs once, on an empty data volume).
-- The services' `migrate` step also creates its database when missing; this makes the
-- layout explicit and lets an operator grant per-service roles here.
CREATE DATABASE intake;
CREATE DATABASE cases;
CREATE DATABASE credit;
CREATE DATABASE notify;
CREATE DATABASE publish;
