-- PATCH /products/product-id/{id} (an upsert) with the CN5 fields the catalog holds,
-- money in decimal units of the store's currency.
select
    d.connection || '|' || d.product_id as key,
    to_json({
        'productId': d.cx_product_id,
        'body': {
            'name': d.name,
            'productDetailUrl': d.page,
            'unitPrice': (d.store_price_minor / pow(10, cur.minor_unit))::decimal(18, 4),
            'unitPriceOriginal': (d.original_price_minor / pow(10, cur.minor_unit))
                ::decimal(18, 4),
            'discountedAmount': case when d.original_price_minor > d.store_price_minor
                then ((d.original_price_minor - d.store_price_minor)
                      / pow(10, cur.minor_unit))::decimal(18, 4) end,
            'discountedPercentage': case when d.original_price_minor > d.store_price_minor
                then round(100 * (d.original_price_minor - d.store_price_minor)
                           / d.original_price_minor, 2)::decimal(18, 2) end,
            'availability': case d.in_stock when true then 'instock'
                                            when false then 'outofstock' end,
            'inStockUnits': d.inventory_level,
            'imageUrl': d.cx_image_url,
            'thumbnailUrl': d.cx_thumbnail_url,
            'description': d.description,
            'brand': d.brand,
            'categories': case when d.category is not null then [d.category] end,
            'rating': d.rating,
            'ratingCount': d.rating_count,
            -- the related products under the same identifier as the product itself
            'relatedExternalProductIds': (
                select list(r.cx_product_id order by r.product_id) from cx_product r
                where r.connection = d.connection and r.cx_product_id is not null
                  and list_contains(d.related_product_ids, r.product_id))
        }
    }) as payload
from cx_product d
join ref.currencies cur on cur.code = $currency
where d.connection || '|' || d.product_id in (select key from render_keys)
