-- What every Connectif SQL file reads, made once per outbox build (temp tables): the
-- storefronts this store receives, and their catalog as Connectif will hold it.

create or replace temp table cx_storefront as
select unnest(from_json($storefronts, '[{"connection": "VARCHAR", "url": "VARCHAR",
    "product_identifier": "VARCHAR", "id_prefix": "VARCHAR"}]'), recursive := true);

-- Per store product: its Connectif id (CN1: id or SKU, after the storefront's prefix),
-- its page (relative URLs on the storefront), its price in the store's currency (the
-- catalog's if the store sells in it, else the newest order line's in it: CN6), its image
-- and thumbnail at the configured sizes (CN2) and only if on an authorised domain.
create or replace temp table cx_product as
with line_price as (
    select l.connection, l.product_id,
           arg_max(l.total_minor / l.quantity, (o.placed_at, l.line_id)) as unit_minor
    from canonical.order_lines l
    join canonical.orders o using (connection, order_id)
    where l.currency = $currency and l.quantity > 0
      and l.connection in (select connection from cx_storefront)
    group by all
),
placed as (
    select
        p.*,
        sf.product_identifier,
        sf.id_prefix,
        sf.id_prefix || case sf.product_identifier when 'sku' then p.sku else p.product_id end
            as cx_product_id,
        case when p.url similar to 'https?://.*' then p.url
             else rtrim(sf.url, '/') || '/' || ltrim(coalesce(p.url, ''), '/') end as page,
        case when p.currency = $currency then p.price_minor else lp.unit_minor end
            as store_price_minor,
        -- BigCommerce serves any size under /images/stencil/<size>/, Shopify's CDN takes
        -- width and height parameters; other URLs stay as they are.
        list_transform(
            [{'url': p.image_url, 'size': $image_size},
             {'url': coalesce(p.thumbnail_url, p.image_url), 'size': $thumbnail_size}],
            lambda i: case
                when i.url is null or i.size = '' then i.url
                when i.url similar to '.*/images/stencil/[^/]+/.*' then regexp_replace(
                    i.url, '/images/stencil/[^/]+/', '/images/stencil/' || i.size || '/')
                when i.url like '%cdn.shopify.com/%' and i.size <> 'original' then i.url
                    || case when contains(i.url, '?') then '&' else '?' end
                    || 'width=' || split_part(i.size, 'x', 1)
                    || '&height=' || split_part(i.size, 'x', 2)
                else i.url end) as sized
    from canonical.products p
    join cx_storefront sf using (connection)
    left join line_price lp using (connection, product_id)
),
on_domains as (
    select p.*, list_transform(
        [p.page, p.sized[1], p.sized[2]],
        lambda u: list_contains(from_json($allowed_hosts, '["VARCHAR"]'),
                                lower(regexp_extract(u, '^https?://([^/:?#]+)', 1)))) as ok
    from placed p
)
select
    * exclude (sized, ok),
    ok[1] as page_authorised,
    case when ok[2] then sized[1] end as cx_image_url,
    case when ok[3] then sized[2] end as cx_thumbnail_url
from on_domains;
