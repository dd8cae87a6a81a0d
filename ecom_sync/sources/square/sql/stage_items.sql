-- Catalog ITEM objects as landed, flattened: variations (the ids order lines name), the
-- first image and category from the related objects the client attached. The description
-- is the plain text Square derives from description_html (else the tags stripped, else
-- the deprecated description).
select
    $connection as connection,
    id, version,
    coalesce(is_deleted, false) as is_deleted,
    item_data.name as name,
    coalesce(item_data.description_plaintext,
             regexp_replace(item_data.description_html, '<[^>]*>', '', 'g'),
             item_data.description) as description,
    item_data.product_type as product_type,
    [{'id': v.id, 'name': v.item_variation_data.name, 'sku': v.item_variation_data.sku,
      'pricing_type': v.item_variation_data.pricing_type,
      'price_money': v.item_variation_data.price_money}
     for v in coalesce(item_data.variations, [])] as variations,
    _images[1].url as image_url,
    _categories[1].name as category,
    parse_ts(updated_at) as updated_at,
    parse_ts(_extracted_at) as _extracted_at
from read_json($files, format = 'newline_delimited', records = true, ignore_errors = true, columns = {
    id: 'varchar', version: 'bigint', is_deleted: 'boolean',
    item_data: 'struct(name varchar, description varchar, description_html varchar, description_plaintext varchar, product_type varchar, variations struct(id varchar, item_variation_data struct(item_id varchar, name varchar, sku varchar, pricing_type varchar, price_money struct(amount bigint, currency varchar)))[])',
    _images: 'struct(id varchar, url varchar)[]',
    _categories: 'struct(id varchar, name varchar)[]',
    updated_at: 'varchar', _extracted_at: 'varchar'
})
