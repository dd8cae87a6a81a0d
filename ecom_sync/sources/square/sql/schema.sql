-- Square staging tables: one row per (connection, id), newest version wins. Money stays
-- as Square sends it: {amount, currency}, integer minor units of the currency.
create schema if not exists staging;

create table if not exists staging.square_payments (
    connection varchar not null,
    id varchar not null,
    location_id varchar,
    order_id varchar,
    customer_id varchar,
    status varchar,
    source_type varchar,
    buyer_email_address varchar,
    receipt_number varchar,
    receipt_url varchar,
    amount_money struct(amount bigint, currency varchar),
    tip_money struct(amount bigint, currency varchar),
    total_money struct(amount bigint, currency varchar),
    refunded_money struct(amount bigint, currency varchar),
    refund_ids varchar[],
    created_at timestamptz,
    updated_at timestamptz not null,
    _extracted_at timestamptz not null
);

create table if not exists staging.square_orders (
    connection varchar not null,
    id varchar not null,
    location_id varchar,
    customer_id varchar,
    state varchar,
    version bigint,
    reference_id varchar,
    line_items struct(uid varchar, name varchar, quantity varchar, catalog_object_id varchar,
                      variation_name varchar, item_type varchar,
                      base_price_money struct(amount bigint, currency varchar),
                      total_discount_money struct(amount bigint, currency varchar),
                      total_money struct(amount bigint, currency varchar))[],
    discounts struct(uid varchar, name varchar, type varchar, scope varchar,
                     applied_money struct(amount bigint, currency varchar))[],
    fulfillments struct(uid varchar, type varchar, state varchar)[],
    total_money struct(amount bigint, currency varchar),
    total_tax_money struct(amount bigint, currency varchar),
    total_discount_money struct(amount bigint, currency varchar),
    created_at timestamptz,
    updated_at timestamptz not null,
    closed_at timestamptz,
    _extracted_at timestamptz not null
);

create table if not exists staging.square_customers (
    connection varchar not null,
    id varchar not null,
    given_name varchar,
    family_name varchar,
    company_name varchar,
    email_address varchar,
    phone_number varchar,
    address struct(address_line_1 varchar, address_line_2 varchar, locality varchar,
                   administrative_district_level_1 varchar, postal_code varchar,
                   country varchar),
    email_unsubscribed boolean,
    group_ids varchar[],
    creation_source varchar,
    version bigint,
    created_at timestamptz,
    updated_at timestamptz not null,
    _extracted_at timestamptz not null
);

create table if not exists staging.square_items (
    connection varchar not null,
    id varchar not null,
    version bigint,
    is_deleted boolean,
    name varchar,
    description varchar,
    product_type varchar,
    variations struct(id varchar, name varchar, sku varchar, pricing_type varchar,
                      price_money struct(amount bigint, currency varchar))[],
    image_url varchar,
    category varchar,
    updated_at timestamptz not null,
    _extracted_at timestamptz not null
);

-- Square money is integer minor units: the factor that turns them into the canonical
-- contract's major units exactly (a decimal, never a float; canonical turns them back).
create or replace view staging.square_minor_units as
select code,
       case minor_unit when 0 then 1.0000 when 1 then 0.1000 when 2 then 0.0100
           when 3 then 0.0010 else 0.0001 end::decimal(5, 4) as per_minor
from ref.currencies;
