-- The contract every platform's conform_customers.sql meets (an empty, typed select).
select
    null::varchar as connection, null::varchar as platform, null::varchar as customer_id,
    null::varchar as email, null::varchar as first_name, null::varchar as last_name,
    null::varchar as phone, null::varchar as company, null::boolean as accepts_marketing,
    null::varchar[] as tags, null::timestamptz as created_at, null::timestamptz as updated_at,
    -- optional: the customer's default address (Connectif CN4); a platform that does not
    -- give it leaves it null
    null::struct(street varchar, city varchar, state varchar, country varchar, zip varchar)
        as address
where false
