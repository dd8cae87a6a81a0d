-- Why a store customer cannot be synced (null: it can). No e-mail at all is C6's
-- `no_email`, listed in skipped_records on its own.
case
    when nullif(trim(email), '') is not null and not valid_email(email) then 'invalid_email'
end
