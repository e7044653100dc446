{{ base_greenhouse_contact_detail('email_address') }}
