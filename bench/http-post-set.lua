-- wrk script: POST / with the Upstash JSON command ["SET","k","v"].
wrk.method = "POST"
wrk.body = '["SET","k","v"]'
wrk.headers["Content-Type"] = "application/json"
