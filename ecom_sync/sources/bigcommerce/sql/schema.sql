-- BigCommerce staging tables: one row per (connection, id), newest version wins.
create schema if not exists staging;

create table if not exists staging.bigcommerce_customers (
    connection varchar not null,
    id bigint not null,
    email varchar,
    first_name varchar,
    last_name varchar,
    company varchar,
    phone varchar,
    customer_group_id bigint,
    date_created timestamptz,
    date_modified timestamptz not null,
    addresses json,
    _extracted_at timestamptz not null
);

create table if not exists staging.bigcommerce_subscribers (
    connection varchar not null,
    id bigint not null,
    email varchar,
    first_name varchar,
    last_name varchar,
    source varchar,
    order_id bigint,
    channel_id bigint,
    consents varchar[],
    date_created timestamptz,
    date_modified timestamptz not null,
    _extracted_at timestamptz not null
);

create table if not exists staging.bigcommerce_orders (
    connection varchar not null,
    id bigint not null,
    customer_id bigint,
    status_id integer,
    status varchar,
    date_created timestamptz,
    date_modified timestamptz not null,
    currency_code varchar,
    subtotal_inc_tax decimal(18, 4),
    total_inc_tax decimal(18, 4),
    total_tax decimal(18, 4),
    shipping_cost_inc_tax decimal(18, 4),
    discount_amount decimal(18, 4),
    coupon_discount decimal(18, 4),
    refunded_amount decimal(18, 4),
    is_email_opt_in boolean,
    is_deleted boolean,
    channel_id bigint,
    cart_id varchar,
    order_source varchar,
    billing_address struct(first_name varchar, last_name varchar, company varchar,
                           email varchar, phone varchar, country_iso2 varchar),
    products struct(id bigint, product_id bigint, variant_id bigint, name varchar,
                    sku varchar, base_price decimal(18, 4), price_inc_tax decimal(18, 4),
                    total_inc_tax decimal(18, 4), quantity integer,
                    quantity_refunded integer)[],
    shipping_addresses struct(id bigint, shipping_method varchar,
                              cost_inc_tax decimal(18, 4))[],
    coupons struct(id bigint, coupon_id bigint, code varchar, amount double,
                   type integer, discount double)[],
    _extracted_at timestamptz not null
);

create table if not exists staging.bigcommerce_products (
    connection varchar not null,
    id bigint not null,
    name varchar,
    type varchar,
    sku varchar,
    description varchar,
    price double,
    sale_price double,
    calculated_price double,
    categories bigint[],
    brand_id bigint,
    is_visible boolean,
    url varchar,
    images struct(id bigint, is_thumbnail boolean, url_standard varchar,
                  url_thumbnail varchar, sort_order integer)[],
    variants struct(id bigint, sku varchar, price double, calculated_price double,
                    image_url varchar)[],
    date_created timestamptz,
    date_modified timestamptz not null,
    _extracted_at timestamptz not null
);

create table if not exists staging.bigcommerce_categories (
    connection varchar not null,
    id bigint not null,
    parent_id bigint,
    name varchar,
    _extracted_at timestamptz not null
);

create table if not exists staging.bigcommerce_carts (
    connection varchar not null,
    id varchar not null,
    customer_id bigint,
    channel_id bigint,
    email varchar,
    currency_code varchar,
    base_amount double,
    discount_amount double,
    cart_amount double,
    line_items struct(product_id bigint, variant_id bigint, name varchar, sku varchar,
                      quantity integer, list_price double, sale_price double,
                      image_url varchar)[],
    created_time timestamptz,
    updated_time timestamptz,
    cart_url varchar,
    abandoned_at timestamptz not null,
    _extracted_at timestamptz not null
);
