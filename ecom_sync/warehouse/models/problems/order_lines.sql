-- Why an order line is left out of its order (null: kept).
case
    when quantity is null then 'unreadable_quantity'
    when quantity = 0 then 'zero_quantity'
    when quantity < 0 then 'negative_quantity'
    when least(unit_amount, total_amount) < 0 then 'negative_amount'
    when greatest(unit_amount, total_amount) > 1e9 then 'absurd_amount'
end
