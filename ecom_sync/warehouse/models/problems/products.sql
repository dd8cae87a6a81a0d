-- Why a catalog product is left out (null: kept). A price that cannot be read leaves the
-- product without one (some catalogs have none); a negative one is an error.
case
    when least(price_amount, original_price_amount) < 0 then 'negative_price'
    when greatest(price_amount, original_price_amount) > 1e9 then 'absurd_amount'
end
