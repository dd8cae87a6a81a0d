-- The contact to put on the master list (C4), by a bulk import that only subscribes; the
-- list is checked at send time (deleted or renamed: no list).
select c.email_key as key, to_json({'email': c.email}) as payload
from canonical.contacts c
where c.email_key in (select key from render_keys)
