-- Why an abandoned cart cannot be synced (null: it can).
case
    when currency is null or currency not in (select code from ref.currencies)
        then 'unknown_currency:' || coalesce(currency, 'none')
    when total_amount < 0 then 'negative_amount'
    when total_amount > 1e9 then 'absurd_amount'
    when abandoned_at is null then 'unreadable_abandoned_at'
    when nullif(trim(email), '') is not null and not valid_email(email) then 'invalid_email'
end
