-- Shopify staging tables: one row per (connection, id), newest version wins.
create schema if not exists staging;

create table if not exists staging.shopify_customers (
    connection varchar not null,
    id bigint not null,
    email varchar,
    first_name varchar,
    last_name varchar,
    phone varchar,
    tags varchar,
    email_marketing_consent struct(state varchar, opt_in_level varchar,
                                   consent_updated_at varchar),
    accepts_marketing boolean,
    default_address struct(company varchar, phone varchar, country_code varchar),
    created_at timestamptz,
    updated_at timestamptz not null,
    _extracted_at timestamptz not null
);

create table if not exists staging.shopify_orders (
    connection varchar not null,
    id bigint not null,
    name varchar,
    order_number bigint,
    email varchar,
    contact_email varchar,
    created_at timestamptz,
    updated_at timestamptz not null,
    processed_at timestamptz,
    cancelled_at timestamptz,
    closed_at timestamptz,
    financial_status varchar,
    fulfillment_status varchar,
    currency varchar,
    total_price decimal(18, 4),
    current_total_price decimal(18, 4),
    subtotal_price decimal(18, 4),
    total_tax decimal(18, 4),
    total_discounts decimal(18, 4),
    buyer_accepts_marketing boolean,
    checkout_token varchar,
    discount_codes struct(code varchar, amount decimal(18, 4), type varchar)[],
    shipping_lines struct(title varchar, code varchar, price decimal(18, 4))[],
    line_items struct(id bigint, product_id bigint, variant_id bigint, sku varchar,
                      name varchar, title varchar, variant_title varchar,
                      price decimal(18, 4), quantity integer,
                      total_discount decimal(18, 4))[],
    customer struct(id bigint, email varchar, first_name varchar, last_name varchar,
                    phone varchar, tags varchar),
    billing_address struct(first_name varchar, last_name varchar, company varchar,
                           phone varchar),
    _extracted_at timestamptz not null
);

create table if not exists staging.shopify_products (
    connection varchar not null,
    id bigint not null,
    title varchar,
    body_html varchar,
    vendor varchar,
    product_type varchar,
    handle varchar,
    status varchar,
    variants struct(id bigint, sku varchar, title varchar, price decimal(18, 4))[],
    images struct(id bigint, src varchar, position integer)[],
    image struct(src varchar),
    created_at timestamptz,
    updated_at timestamptz not null,
    _extracted_at timestamptz not null
);

create table if not exists staging.shopify_checkouts (
    connection varchar not null,
    id bigint not null,
    token varchar,
    email varchar,
    currency varchar,
    total_price decimal(18, 4),
    abandoned_checkout_url varchar,
    customer struct(id bigint, email varchar, first_name varchar, last_name varchar),
    line_items struct(product_id bigint, variant_id bigint, sku varchar, title varchar,
                      variant_title varchar, price decimal(18, 4), quantity integer)[],
    created_at timestamptz,
    updated_at timestamptz not null,
    completed_at timestamptz,
    closed_at timestamptz,
    _extracted_at timestamptz not null
);

create table if not exists staging.shopify_deletions (
    connection varchar not null,
    id bigint not null,
    subject_id bigint not null,
    subject_type varchar not null,
    verb varchar,
    created_at timestamptz not null,
    _extracted_at timestamptz not null
);
