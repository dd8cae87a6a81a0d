-- Why an order cannot be synced (null: it can), first reason wins. Amounts are major
-- units; above a billion in any currency they are taken for a data error.
case
    when currency is null or currency not in (select code from ref.currencies)
        then 'unknown_currency:' || coalesce(currency, 'none')
    when total_amount is null then 'unreadable_total'
    when least(total_amount, subtotal_amount, discount_amount, shipping_amount, tax_amount,
               refunded_amount) < 0 then 'negative_amount'
    when greatest(total_amount, subtotal_amount, discount_amount, shipping_amount, tax_amount,
                  refunded_amount) > 1e9 then 'absurd_amount'
    when placed_at is null then 'unreadable_placed_at'
    when nullif(trim(email), '') is not null and not valid_email(email) then 'invalid_email'
end
