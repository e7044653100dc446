{{ base_greenhouse_contact_detail('phone_number') }}
