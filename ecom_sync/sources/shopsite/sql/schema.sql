-- Shop-site staging tables: one row per (connection, id), newest version wins. Ids are the
-- site's strings (C1042, O-2024-000981, K-5521); money decimal in major units.
create schema if not exists staging;

create table if not exists staging.shopsite_customers (
    connection varchar not null,
    id varchar not null,
    email varchar,
    first_name varchar,
    last_name varchar,
    phone varchar,
    company varchar,
    created_at timestamptz,
    modified_at timestamptz not null,
    _extracted_at timestamptz not null
);

create table if not exists staging.shopsite_orders (
    connection varchar not null,
    id varchar not null,
    number varchar,
    placed_at timestamptz,
    modified_at timestamptz not null,
    status varchar,
    currency varchar,
    total decimal(18, 4),
    shipping_total decimal(18, 4),
    tax_total decimal(18, 4),
    discount_total decimal(18, 4),
    discount_code varchar,
    shipping_method varchar,
    order_url varchar,
    holder struct(customer_id varchar, email varchar, first_name varchar, last_name varchar),
    lines struct(product_id varchar, sku varchar, name varchar, category varchar,
                 description varchar, image_url varchar, quantity integer,
                 unit_price decimal(18, 4))[],
    _extracted_at timestamptz not null
);

create table if not exists staging.shopsite_abandoned_carts (
    connection varchar not null,
    id varchar not null,
    customer_id varchar,
    email varchar,
    first_name varchar,
    last_name varchar,
    currency varchar,
    total decimal(18, 4),
    recovery_url varchar,
    converted_order_id varchar,
    lines struct(product_id varchar, sku varchar, name varchar, category varchar,
                 description varchar, image_url varchar, quantity integer,
                 unit_price decimal(18, 4))[],
    created_at timestamptz,
    modified_at timestamptz not null,
    _extracted_at timestamptz not null
);
