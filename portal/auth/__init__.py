"""Sign-in, sign-out and the signed-in principal.

Until OpenID Connect lands (ID-porten for citizens), the development sign-in lists the demo
personas. Both end in ``session.sign_in_patient``: the one function the OpenID flow will call.
"""
