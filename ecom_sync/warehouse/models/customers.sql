-- One row per store customer (C1: one e-commerce customer per store and e-mail). A person
-- erased on request is left out unless an order after the erasure re-admitted them.
select
    c.connection,
    c.platform,
    rc.store_name,
    c.customer_id,
    c.email,
    lower(trim(c.email)) as email_key,
    c.first_name,
    c.last_name,
    c.phone,
    c.company,
    c.accepts_marketing,
    c.tags,
    c.created_at,
    c.updated_at,
    c.address
from conformed.customers c
join ref.connections rc using (connection)
where nullif(trim(c.email), '') is not null
  and c.problem is null  -- problems/customers.sql: listed in skipped_records
  and lower(trim(c.email)) not in (
      select email_key from erased_people where readmitted_at is null)
