-- The merchant's Square customers in the canonical shape (SQ2: all of them, those who
-- never paid too; SQ3/C6: those without an e-mail are skipped and counted downstream).
-- SQ4: the Square customer id is the e-commerce customer's external id.
-- C3: Square's only consent signal is preferences.email_unsubscribed; a customer with an
-- e-mail who has not unsubscribed accepts its marketing e-mails.
select
    c.connection,
    'square' as platform,
    c.id as customer_id,
    c.email_address as email,
    c.given_name as first_name,
    c.family_name as last_name,
    c.phone_number as phone,
    nullif(trim(c.company_name), '') as company,
    not coalesce(c.email_unsubscribed, true) as accepts_marketing,
    ['square-customer'] as tags,
    c.created_at,
    c.updated_at,
    case when c.address is not null then {
        'street': concat_ws(', ', nullif(c.address.address_line_1, ''),
                            nullif(c.address.address_line_2, '')),
        'city': c.address.locality,
        'state': c.address.administrative_district_level_1,
        'country': c.address.country,
        'zip': c.address.postal_code
    } end as address
from staging.square_customers c
